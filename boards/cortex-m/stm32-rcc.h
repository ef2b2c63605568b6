/* RCC_CFGR prescaler codes shared by the STM32 families tinyrack supports: the encoding of
 * PPRE1/PPRE2 (APB: 1 -> 0xx, 2 -> 100, 4 -> 101, 8 -> 110, 16 -> 111) and HPRE (AHB: 1 -> 0xxx,
 * 2 -> 1000, 4 -> 1001, 8 -> 1010, ...) is the same in RM0390 §6.3.3 (F446) and RM0432 §6.4.3
 * (L4R5). */
#ifndef TR_STM32_RCC_H
#define TR_STM32_RCC_H
#include <stdint.h>

static inline uint32_t tr_rcc_ppre_code(uint32_t div) {
  return div <= 1u ? 0u : div == 2u ? 4u : div == 4u ? 5u : div == 8u ? 6u : 7u;
}
static inline uint32_t tr_rcc_hpre_code(uint32_t div) {
  return div <= 1u ? 0u : div == 2u ? 8u : div == 4u ? 9u : div == 8u ? 10u : 11u;
}
#endif
