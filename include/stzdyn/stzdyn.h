/* stzdyn: mesoscale plasticity of metallic glasses by STZ kinetic Monte Carlo and finite-element stress redistribution.
 * This umbrella header includes every public header. */
#ifndef STZDYN_STZDYN_H
#define STZDYN_STZDYN_H

#include <stzdyn/rng.h>
#include <stzdyn/material.h>
#include <stzdyn/fe.h>
#include <stzdyn/png.h>
#include <stzdyn/powerlaw.h>
#include <stzdyn/structure.h>
#include <stzdyn/sim.h>

#endif
