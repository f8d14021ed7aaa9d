// Package memlimit refuses, before anything is allocated, work that needs
// more memory than the process can have.
//
// Go cannot recover from running out of memory: the runtime aborts the
// process with "fatal error: runtime: out of memory", which in Python
// takes the interpreter (and a Jupyter kernel) down with it. So every size
// a user or a file controls — network widths, batch, sample counts, grid
// resolutions, data set sizes — is turned into an estimate of the bytes it
// needs and checked here first, and too large a request becomes an
// ordinary error that says what was asked, what it needs and what is
// available.
//
// The limit is the memory the system reports as available
// (MemAvailable in /proc/meminfo, and the cgroup's memory.max less its
// usage where one is set), or the value of the environment variable
// DDAEBM_MEMORY_LIMIT (bytes, with an optional K/M/G/T suffix, powers of
// 1024) when that is set. Where neither can be read the limit is
// DefaultLimit.
package memlimit
