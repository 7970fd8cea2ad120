/*
 * lease.h — who holds an outbox lease, and whether that sender is gone.
 *
 * A sender (the daemon, a --once or a --stdin run) takes a lease on a
 * notice before it hands it to the SMTP server, and records itself as the
 * lease's holder: "HOST BOOT PIDNS PID START", the host name, the kernel's
 * boot id (/proc/sys/kernel/random/boot_id), the PID namespace
 * (/proc/self/ns/pid), the process id and its start time in clock ticks
 * since boot (/proc/self/stat), so a reused PID is not taken for the
 * holder. Another sender that finds the lease can then tell whether its
 * holder still runs: when it does not, the lease is free at once instead of
 * at its end (a killed sender's notices go out on the next start, not ten
 * minutes later).
 */
#ifndef TICKETD_LEASE_H
#define TICKETD_LEASE_H

#include <stddef.h>

#define LEASE_HOLDER_MAX	256

/* This process as a holder (computed once a process; borrowed, never NULL). */
const char *lease_self(void);

/*
 * 1 when the process that wrote holder has certainly ended: same host and
 * PID namespace, same boot and no process with that PID and start time;
 * or same host and another boot (it rebooted since). 0 when it still runs,
 * or when this process cannot tell (another host or PID namespace, a
 * holder written by something else, no /proc): such a lease runs to its
 * end.
 */
int	lease_holder_gone(const char *holder);

/* The PID in holder, for log lines; 0 when there is none. */
long	lease_holder_pid(const char *holder);

#endif
