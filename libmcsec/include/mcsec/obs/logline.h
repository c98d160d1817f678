/* One log line per event, key=value: logfmt (values quoted and escaped when
 * they hold a space, '=', a quote, a backslash or a control character;
 * invalid UTF-8 octets written as \xNN) or JSON lines (one object per line,
 * RFC 8259 escapes, invalid UTF-8 octets as \u00NN). Built in a fixed buffer
 * on the caller's stack: no allocation, never longer than
 * MCSEC_LOGLINE_MAX - 1 octets; a value that does not fit is cut and the
 * line ends with truncated=1 ("truncated":1). The proxies hand the text to
 * their own log call (Kamailio's LM_*, mcsec-httpd's syslog/stderr). */
#ifndef MCSEC_OBS_LOGLINE_H
#define MCSEC_OBS_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>

#define MCSEC_LOGLINE_MAX 2048

typedef enum { MCSEC_LOGFMT_TEXT = 0, MCSEC_LOGFMT_JSON = 1 } mcsec_logfmt_t;

typedef struct {
    char buf[MCSEC_LOGLINE_MAX];
    size_t len;
    mcsec_logfmt_t style;
    bool truncated;
    bool closed;
} mcsec_logline_t;

void mcsec_logline_init(mcsec_logline_t *l, mcsec_logfmt_t style);

/* key="value" (quoted only when needed in logfmt, always in JSON). A NULL
 * value is written as an empty string. Keys are the caller's constants
 * ([a-z0-9_.]). */
void mcsec_logline_str(mcsec_logline_t *l, const char *key, const char *value);

/* As mcsec_logline_str for a value of n octets (not NUL-terminated). */
void mcsec_logline_strn(mcsec_logline_t *l, const char *key, const char *value, size_t n);

/* key=123 (a JSON number). */
void mcsec_logline_int(mcsec_logline_t *l, const char *key, long long value);

/* The finished line (no line feed). The line cannot be extended after. */
const char *mcsec_logline_text(mcsec_logline_t *l);

/* "text" or "json" to the style; false for anything else. */
bool mcsec_logfmt_parse(const char *name, mcsec_logfmt_t *out);

#endif
