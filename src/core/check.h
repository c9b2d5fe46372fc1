/* Assertions that stay on in release builds (redis serverAssert, SQLite's
 * ALWAYS/NEVER): an invariant that does not hold means the program is
 * wrong, and going on would write wrong rows that look right. CG_ASSERT
 * prints "cdrgen: internal error at FILE:LINE: COND" and aborts. It guards
 * cheap checks off the per-row path. */
#ifndef CG_CHECK_H
#define CG_CHECK_H

_Noreturn void cg_assert_fail(const char *cond, const char *file, int line);

#define CG_ASSERT(cond) \
    ((cond) ? (void)0 : cg_assert_fail(#cond, __FILE__, __LINE__))

#endif
