/* The three helpers LLVM 19 calls for `-mllvm -wasm-enable-sjlj` (newer wasi-libc ships them in rt.c). */
#include <stdint.h>
#include <stddef.h>

struct jump {
  void *invocation;
  uint32_t label;
  struct { void *env; int val; } arg;
};

void __wasm_setjmp(void *env, uint32_t label, void *invocation) {
  struct jump *j = env;
  if (label == 0 || invocation == NULL) __builtin_trap();
  j->invocation = invocation;
  j->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *invocation) {
  struct jump *j = env;
  if (j->label == 0) __builtin_trap();
  return j->invocation == invocation ? j->label : 0;
}

void __wasm_longjmp(void *env, int val) {
  struct jump *j = env;
  j->arg.env = env;
  j->arg.val = val == 0 ? 1 : val;
  __builtin_wasm_throw(1, &j->arg);
}
