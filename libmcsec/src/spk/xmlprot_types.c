/* The protectable types (docs/protectable-types.md): the MC service info
 * documents TS 33.180 clause 9 protects between MC servers, each with its
 * namespace, root element, the contentType elements encrypted by default
 * (TS 24.379 Annex F.1 mcptt-info, TS 24.281 Annex F.1 mcvideo-info,
 * TS 24.282 Annex D.1 mcdata-info) and the elements that carry MC service
 * IDs (read by the body identity check, mcsec/bodyid/bodyid.h). Constant
 * data only. */
#include <stdio.h>
#include <string.h>

#include "xmlprot_internal.h"

static const char *const mcptt_defaults[] = {"mcptt-request-uri",     "mcptt-calling-user-id",
                                             "mcptt-called-party-id", "mcptt-calling-group-id",
                                             "associated-group-id",   "originated-by",
                                             "mcptt-client-id",       "functional-alias-URI",
                                             "emergency-ind",         "alert-ind",
                                             "imminentperil-ind"};

static const char *const mcvideo_defaults[] = {
    "mcvideo-request-uri",     "mcvideo-calling-user-id",
    "mcvideo-called-party-id", "mcvideo-calling-group-id",
    "associated-group-id",     "originated-by",
    "mcvideo-client-id",       "functional-alias-URI",
    "emergency-ind",           "alert-ind",
    "imminentperil-ind"};

static const char *const mcdata_defaults[] = {"mcdata-request-uri",
                                              "mcdata-calling-user-id",
                                              "mcdata-called-party-id",
                                              "mcdata-calling-group-id",
                                              "associated-group-id",
                                              "originated-by",
                                              "mcdata-client-id",
                                              "mcdata-controller-psi",
                                              "functional-alias-URI",
                                              "emergency-ind",
                                              "alert-ind",
                                              "imminentperil-ind"};

/* The elements that carry MC service IDs (the table's last column). */
static const char *const mcptt_ids[] = {"mcptt-request-uri",     "mcptt-calling-user-id",
                                        "mcptt-called-party-id", "mcptt-calling-group-id",
                                        "associated-group-id",   "originated-by",
                                        "functional-alias-URI"};

static const char *const mcvideo_ids[] = {"mcvideo-request-uri",     "mcvideo-calling-user-id",
                                          "mcvideo-called-party-id", "mcvideo-calling-group-id",
                                          "associated-group-id",     "originated-by",
                                          "functional-alias-URI"};

static const char *const mcdata_ids[] = {"mcdata-request-uri",     "mcdata-calling-user-id",
                                         "mcdata-called-party-id", "mcdata-calling-group-id",
                                         "associated-group-id",    "originated-by",
                                         "mcdata-controller-psi",  "functional-alias-URI"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const xp_info_type_t info_types[XP_INFO_TYPES] = {
    {MCSEC_CT_MCPTT_INFO, MCSEC_NS_MCPTT_INFO, "mcpttinfo", mcptt_defaults, N(mcptt_defaults),
     mcptt_ids, N(mcptt_ids)},
    {MCSEC_CT_MCVIDEO_INFO, MCSEC_NS_MCVIDEO_INFO, "mcvideoinfo", mcvideo_defaults,
     N(mcvideo_defaults), mcvideo_ids, N(mcvideo_ids)},
    {MCSEC_CT_MCDATA_INFO, MCSEC_NS_MCDATA_INFO, "mcdatainfo", mcdata_defaults, N(mcdata_defaults),
     mcdata_ids, N(mcdata_ids)},
};

const xp_info_type_t *xp_info_type_at(size_t index)
{
    return index < XP_INFO_TYPES ? &info_types[index] : NULL;
}

bool mcsec_xmlprot_is_info_type(const char *type)
{
    return type && xp_info_type_index(type) >= 0;
}

bool mcsec_xmlprot_info_ids(const char *type, const char **ns, const char **root,
                            const char *const **names, size_t *count)
{
    int index = type ? xp_info_type_index(type) : -1;
    if (index < 0)
        return false;
    const xp_info_type_t *info = &info_types[index];
    *ns = info->ns;
    *root = info->root;
    *names = info->ids;
    *count = info->id_count;
    return true;
}

int xp_info_type_index(const char *content_type)
{
    for (size_t i = 0; i < XP_INFO_TYPES; i++)
        if (strcmp(content_type, info_types[i].content_type) == 0)
            return (int)i;
    return -1;
}

xmlNodePtr xp_info_root(const xp_info_type_t *type, xmlDocPtr doc, mcsec_xmlprot_result_t *result)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (xp_node_is(root, type->ns, type->root))
        return root;
    char detail[128];
    snprintf(detail, sizeof(detail), "root is not %s in %s", type->root, type->ns);
    xp_fail(result, MCSEC_ERR_INVALID, MCSEC_REASON_SPK_MALFORMED, detail);
    return NULL;
}
