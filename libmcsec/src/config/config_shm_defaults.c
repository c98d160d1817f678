/* SHM_MEMORY from the IS proxy's defaults file (mcsec/config/config_check.h):
 * the megabytes the unit passes to kamailio as `-m`
 * (deploy/systemd/mcsec-is-proxy.service), so the check sizes the caches
 * against the same number. Shell syntax, read as name=value lines: '#'
 * comments, blank lines, optional quotes around the value; the last
 * SHM_MEMORY line wins, as in the shell. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/config/config_check.h"
#include "policy/policy_internal.h"

/* The value of a "SHM_MEMORY=..." line, quotes and blanks removed; NULL
 * when the line sets something else. */
static char *shm_value(char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    if (strncmp(line, "export ", 7) == 0)
        line += 7;
    if (strncmp(line, "SHM_MEMORY=", 11) != 0)
        return NULL;
    char *value = line + 11;
    size_t n = strcspn(value, "\r\n#");
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        n--;
    value[n] = '\0';
    if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
        value[n - 1] = '\0';
        value++;
    }
    return value;
}

mcsec_err_t mcsec_config_shm_from_defaults(const char *path, uint64_t *bytes, char *source,
                                           size_t source_size, mcsec_diag_list_t *diags)
{
    if (!path || !bytes || !diags)
        return MCSEC_ERR_ARG;
    FILE *f = fopen(path, "r");
    if (!f) {
        (void)mcsec_diag_addf(diags, path, 0, 0, "cannot read the defaults file: %s",
                              strerror(errno));
        return MCSEC_ERR_IO;
    }
    char line[1024];
    unsigned lineno = 0, found = 0;
    unsigned long long mb = 0;
    mcsec_err_t rc = MCSEC_OK;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *value = shm_value(line);
        if (!value)
            continue;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (!isdigit((unsigned char)value[0]) || errno != 0 || *end != '\0' || v == 0 ||
            v > (1ULL << 20)) {
            (void)mcsec_diag_addf(diags, path, lineno, 0,
                                  "SHM_MEMORY must be kamailio's -m in megabytes (1-1048576), "
                                  "not '%.64s'",
                                  value);
            rc = MCSEC_ERR_PARSE;
            break;
        }
        mb = v;
        found = lineno;
    }
    fclose(f);
    if (rc != MCSEC_OK)
        return rc;
    if (!found) {
        (void)mcsec_diag_addf(diags, path, 0, 0,
                              "no SHM_MEMORY=<megabytes> line (kamailio's -m, "
                              "deploy/systemd/mcsec-is-proxy.default)");
        return MCSEC_ERR_INVALID;
    }
    *bytes = (uint64_t)mb << 20;
    if (source && source_size > 0)
        snprintf(source, source_size, "%s:%u", path, found);
    return MCSEC_OK;
}
