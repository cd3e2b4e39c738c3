/*
 * curvekeys.c — see curvekeys.h.
 */
#include "curvekeys.h"

#include "stafet.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

/* Reads the first line of path: 40 Z85 characters. */
static int read_key(const char *path, char out[41], char *why, size_t why_size) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(why, why_size, "cannot read CURVE key %s: %s", path, strerror(errno));
    return STAFET_EINVAL;
  }
  char line[128] = "";
  if (fgets(line, sizeof line, f) == NULL)
    line[0] = '\0';
  fclose(f);
  line[strcspn(line, "\r\n \t")] = '\0';
  uint8_t raw[32];
  int ok = strlen(line) == 40 && zmq_z85_decode(raw, line) != NULL;
  if (ok)
    memcpy(out, line, 41);
  memset(line, 0, sizeof line);
  if (!ok)
    snprintf(why, why_size, "CURVE key %s is not 40 Z85 characters", path);
  return ok ? 0 : STAFET_EINVAL;
}

int curve_keys_load(curve_keys_t *keys, const host_conf_t *cfg, const conf_plugin_t *p, char *why,
                    size_t why_size) {
  memset(keys, 0, sizeof *keys);
  if (cfg->curve_server_key_file[0] == '\0')
    return 0;
  char path[CONF_STR_MAX + CONF_NAME_MAX + 8];
  int rc = read_key(cfg->curve_server_key_file, keys->server, why, why_size);
  snprintf(path, sizeof path, "%s/%s.pub", cfg->curve_keys_dir, p->name);
  if (rc == 0)
    rc = read_key(path, keys->public_key, why, why_size);
  snprintf(path, sizeof path, "%s/%s.key", cfg->curve_keys_dir, p->name);
  if (rc == 0)
    rc = read_key(path, keys->secret, why, why_size);
  if (rc < 0)
    curve_keys_wipe(keys);
  return rc;
}

void curve_keys_wipe(curve_keys_t *keys) {
  volatile char *s = keys->secret;
  for (size_t i = 0; i < sizeof keys->secret; i++)
    s[i] = 0;
}
