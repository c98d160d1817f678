/* Policy generation numbers that survive restarts: each proxy keeps its
 * last generation in a small state file (one decimal number and a line
 * feed), so the generation a metric or an audit line shows only ever grows
 * and two runs of one node never show the same number for different
 * policies. The file is replaced atomically (temporary file, fsync, rename),
 * so a crash leaves the old number or the new one, never a torn one. */
#ifndef MCSEC_OBS_GENERATION_H
#define MCSEC_OBS_GENERATION_H

#include <stdint.h>

#include "mcsec/util/status.h"

/* Reads the number in path (0 when the file does not exist), adds one,
 * writes it back and returns it in *out. On MCSEC_ERR_IO (the file or its
 * directory cannot be written) or MCSEC_ERR_PARSE (the file holds anything
 * but a number), *out still gets a usable number: the one read plus one, or
 * 1 when nothing could be read; the caller logs the error and goes on (a
 * generation number never stops the border). */
mcsec_err_t mcsec_generation_next(const char *path, uint64_t *out);

#endif
