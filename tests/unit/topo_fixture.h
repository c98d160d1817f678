/* The topology context the topo unit tests share: one key (ID 01, KEY_A),
 * border host "border.a.example", the given previous-key validity. Used as
 * a cmocka group setup/teardown via topo_fixture_setup()/_teardown(). */
#ifndef MCSEC_TEST_TOPO_FIXTURE_H
#define MCSEC_TEST_TOPO_FIXTURE_H

#include <string.h>

#include "mcsec/topo/topo.h"
#include "mcsec/spk/xmlprot.h"

#define KEY_A "1111111111111111111111111111111111111111111111111111111111111111"
#define HOST "border.a.example"

static inline mcsec_str_t S(const char *s)
{
    return (mcsec_str_t){s, strlen(s)};
}

/* *state = a new context, or -1. */
static inline int topo_fixture_make(void **state, uint32_t prev_key_validity)
{
    mcsec_topo_keys_t *keys = NULL;
    const char *text = "01 " KEY_A "\n";
    if (mcsec_topo_keys_parse(text, strlen(text), "t", 0, 0, &keys, NULL, 0) != MCSEC_OK)
        return -1;
    mcsec_topo_config_t cfg = {0};
    cfg.border_host = S(HOST);
    cfg.prev_key_validity = prev_key_validity;
    mcsec_topo_t *topo = NULL;
    if (mcsec_topo_create_with_keys(keys, &cfg, &topo, NULL, 0) != MCSEC_OK)
        return -1;
    *state = topo;
    return 0;
}

/* Group setup of the element-hiding tests, which parse XML: libxml2 and
 * xmlsec initialised first, then the context with no previous key. */
static inline int topo_fixture_setup_xml(void **state)
{
    if (mcsec_xmlprot_global_init() != MCSEC_OK)
        return -1;
    return topo_fixture_make(state, 0);
}

/* What an element-hiding call left in out/out_len (both set to a dummy
 * before it) after returning rc, which must be expect: the output as a
 * string, or NULL with nothing left behind when the call failed or had
 * nothing to write. Needs <cmocka.h> included first. */
static inline char *topo_fixture_output(mcsec_err_t rc, mcsec_err_t expect, uint8_t *out,
                                        size_t out_len)
{
    assert_int_equal(rc, expect);
    if (rc != MCSEC_OK || out == NULL) {
        assert_null(out);
        assert_int_equal(out_len, 0);
        return NULL;
    }
    assert_int_equal(strlen((char *)out), out_len);
    return (char *)out;
}

static inline int topo_fixture_teardown(void **state)
{
    mcsec_topo_destroy(*state);
    return 0;
}

#endif
