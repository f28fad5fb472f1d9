/* setjmp/longjmp for Lua's error handling on wasm32-wasi. Debian's 2022 wasi-libc has no <setjmp.h>;
 * with clang's `-mllvm -wasm-enable-sjlj` these calls become WebAssembly exception handling, backed by
 * the helpers in wasm_sjlj_rt.c. 16 bytes hold the runtime's jump record. */
#ifndef KILN_SETJMP_H
#define KILN_SETJMP_H
typedef struct { void *slots[4]; } jmp_buf[1];
int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
#endif
