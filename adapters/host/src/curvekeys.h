/*
 * curvekeys.h — the CURVE keys of one plugin's connection to the hub, read
 * from files that `stafet-keys gen` writes (docs/security.md): the hub's
 * public key (curve_server_key_file, e.g. /etc/stafet/hub.pub) and the
 * plugin's own pair <curve_keys_dir>/<NAME>.key (secret) and <NAME>.pub,
 * NAME being the plugin's section name, which is the adapter name its key
 * is registered for. The secret never passes through api->config.
 */
#ifndef STAFET_HOST_CURVEKEYS_H
#define STAFET_HOST_CURVEKEYS_H

#include "conf.h"

#include <stddef.h>

typedef struct curve_keys {
  char server[41], public_key[41], secret[41]; /* Z85 text, "" = CURVE off */
} curve_keys_t;

/*
 * Fills keys for plugin p: all three, or none when curve_server_key_file is
 * not set. 0, or STAFET_EINVAL with the file and the reason in why.
 */
int curve_keys_load(curve_keys_t *keys, const host_conf_t *cfg, const conf_plugin_t *p, char *why,
                    size_t why_size);

/* Overwrites the secret. */
void curve_keys_wipe(curve_keys_t *keys);

#endif
