/* Transparent huge pages for the commands that simulate (docs/model.md,
 * "Speed"): a large run touches hundreds of MiB, and with 4 KiB pages every
 * first touch is a page fault. */
#ifndef SL_HUGEPAGES_H
#define SL_HUGEPAGES_H

/* Re-executes this process once, as argv, with glibc's malloc told to ask
 * the kernel for transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1),
 * when that would change anything: a glibc that knows the tunable, a kernel
 * that gives huge pages only to memory advised so ("[madvise]" in
 * /sys/kernel/mm/transparent_hugepage/enabled), no hugetlb setting of the
 * user's (glibc.malloc.hugetlb=0 turns this off), and neither valgrind nor
 * a sanitizer owning malloc.  Returns when it does not re-execute; in the
 * re-executed process, returns after putting GLIBC_TUNABLES back as the
 * user had it, so children do not inherit the setting. */
void sl_hugepages_reexec(char **argv);

#endif
