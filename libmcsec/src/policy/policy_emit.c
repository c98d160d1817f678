/* One YAML scalar for the section dumpers of the policy (GMK, migration):
 * see policy_internal.h. */
#include <string.h>

#include "policy_internal.h"

bool mcsec_pol_emit_scalar(yaml_emitter_t *emitter, const char *text, bool quoted)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                      quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                             : YAML_ANY_SCALAR_STYLE))
        return false;
    return yaml_emitter_emit(emitter, &ev) != 0;
}
