/*
 * child.h — the life of one plugin process, from the fork to exit:
 *
 *   load    dlopen the .so, check its table (loader.h)
 *   prepare open the outbox journal, create the libstafet client, hand
 *           journalled publishes from an earlier life back to it
 *   init    the plugin reads its settings
 *   connect wait for the hub (SIGTERM still honoured)
 *   start   the plugin subscribes, provides, opens its sockets
 *   running one poll(2) loop: the client's ZMQ_FD, the plugin's watched
 *           fds, a signalfd; on_tick every tick_ms; metrics
 *   stop    on SIGTERM/SIGINT: stop, flush the outbox (bounded), exit 0
 *
 * Each phase is reported to the supervisor over report_fd, and a failure
 * with its reason (report.h), before the process exits 1.
 */
#ifndef STAFET_HOST_CHILD_H
#define STAFET_HOST_CHILD_H

#include "conf.h"

#include <sys/types.h>

/*
 * Runs the plugin. parent is the supervisor's pid (the process ends when
 * the supervisor dies). Returns the exit status: 0 after a clean stop, 1
 * after a failure (reported).
 */
int child_run(const host_conf_t *cfg, const conf_plugin_t *plugin, int report_fd, pid_t parent);

#endif
