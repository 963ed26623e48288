/* Counter-based random numbers.
 *
 * Every random number in stzdyn is a pure function of (key, counter): no generator state is carried between calls,
 * so the value drawn for event n does not depend on how many threads ran or in which order work was split.
 * The mixer is the splitmix64 finaliser (Steele, Lea & Flood, OOPSLA 2014) applied twice, which passes BigCrush
 * when used as a counter-based generator.
 */
#ifndef STZDYN_RNG_H
#define STZDYN_RNG_H

#include <stdint.h>

/* Mix a 64-bit word (splitmix64 finaliser). */
static inline uint64_t StzRngMix64(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 64 random bits for stream `key` (e.g. seed combined with a purpose tag) at position `counter`. */
static inline uint64_t StzRngU64(uint64_t key, uint64_t counter)
{
  return StzRngMix64(StzRngMix64(key) ^ StzRngMix64(counter + 0x632be59bd9b4e019ULL));
}

/* Uniform double in the open interval (0, 1): never 0, so -log(u) is finite. */
static inline double StzRngUniform(uint64_t key, uint64_t counter)
{
  return ((double)(StzRngU64(key, counter) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal deviate (Box-Muller on two consecutive counters 2*counter, 2*counter+1). */
double StzRngNormal(uint64_t key, uint64_t counter);

/* Derive a stream key from the user's seed and a purpose tag, so different uses of randomness never share numbers. */
static inline uint64_t StzRngKey(uint64_t seed, uint64_t tag)
{
  return StzRngMix64(seed * 0xd1342543de82ef95ULL + StzRngMix64(tag));
}

#endif
