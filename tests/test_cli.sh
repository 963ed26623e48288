#!/usr/bin/env bash
# The command line contract: bad input is an error naming the option and value, nothing is left behind as if complete,
# -help lists options with units, the single-STZ scenario writes its outputs, creep can measure its yield stress first, and
# ensembles over seeds reproduce single runs (also on two MPI ranks).
set -u
stz="$1"; cfg="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=$((fail + 1)); fi; }

out=$("$stz" run -stz_protocol single-stz -stz_nx 16 -stz_ny 16 -stz_nxx 3 -stz_output_dir "$tmp/a" 2>&1); rc=$?
check "misspelled option -stz_nxx is an error naming it (rc $rc)" '[ $rc -ne 0 ] && grep -q "stz_nxx" <<<"$out"'
check "nothing written after a rejected option" '[ ! -e "$tmp/a/summary.json" ]'
out=$("$stz" run -stz_protocol pure-shear -stz_temperature_k -5 -stz_output_dir "$tmp/b" 2>&1); rc=$?
check "out-of-range -stz_temperature_k -5 names option, value and range (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_temperature_k = -5.* is out of range" <<<"$out"'
check "an input mistake is one line 'stzdyn: error: ...' with exit status 1, no traceback (rc $rc)" '[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "^stzdyn: error: " <<<"$out"'
out=$("$stz" run -stz_protocol sheer -stz_output_dir "$tmp/c" 2>&1); rc=$?
check "unknown protocol lists the allowed ones (rc $rc)" '[ $rc -ne 0 ] && grep -q "allowed single-stz, pure-shear" <<<"$out"'
out=$("$stz" run -options_file "$tmp/missing.yaml" 2>&1); rc=$?
check "missing options file is a one-line error naming it (rc $rc)" '[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "missing.yaml" <<<"$out"'
out=$("$stz" run -stz_material unobtainium -stz_output_dir "$tmp/d" 2>&1); rc=$?
check "unknown material lists the presets (rc $rc)" '[ $rc -ne 0 ] && grep -q "vitreloy1" <<<"$out"'
out=$("$stz" frobnicate 2>&1); rc=$?
check "unknown sub-command is an error with usage (rc $rc)" '[ $rc -ne 0 ] && grep -q "usage" <<<"$out"'
out=$("$stz" -help 2>&1); rc=$?
check "-help lists options with units (rc $rc)" '[ $rc -eq 0 ] && grep -q -- "-stz_temperature_k <300" <<<"$out" && grep -q "\[K\]" <<<"$out"'
# stzdyn's options only, each with its value and default (PETSc's own options and the solver's used to come first, 180
# lines and more; --help and -h used to be refused as unknown options); -help petsc adds them.
out=$("$stz" --help 2>&1); rc=$?
out2=$("$stz" run -h -stz_nx 32 2>&1); rc2=$?
out3=$("$stz" -help petsc 2>&1); rc3=$?
check "--help and -h list stzdyn's options alone, a given value beside its default; -help petsc adds PETSc's (rc $rc, $rc2, $rc3)" \
  '[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && grep -q -- "-stz_nx <64>" <<<"$out" && ! grep -q -- "-log_view" <<<"$out" && ! grep -q "(None)" <<<"$out" && grep -q -- "-stz_nx <32, default 64>" <<<"$out2" && grep -q -- "-log_view" <<<"$out3" && grep -q -- "-stz_nx" <<<"$out3"'
out=$("$stz" run -options_file "$cfg" -stz_nx 32 -stz_ny 32 -stz_output_dir "$tmp/e" 2>&1); rc=$?
check "single-stz scenario runs and writes its files (rc $rc)" '[ $rc -eq 0 ] && [ -s "$tmp/e/map_sigma_xy.png" ] && [ -s "$tmp/e/fields.csv" ] && [ -s "$tmp/e/summary.json" ]'
check "no temporary files left" '[ -z "$(find "$tmp/e" -name "*.tmp")" ]'
check "fields.csv has one row per site plus a header" '[ "$(wc -l < "$tmp/e/fields.csv")" -eq 1025 ]'
# Engines and geometries (docs/outputs.md): a request that cannot fit in memory fails before allocating, naming the engine, the
# bytes and the option that chooses another; edge options are validated like every other.
out=$("$stz" run -stz_protocol pure-shear -stz_engine slab-kernel -stz_nx 8192 -stz_ny 8192 -stz_output_dir "$tmp/f" 2>&1); rc=$?
check "a 8192^2 slab-kernel request fails cleanly: engine, bytes needed, -stz_engine (rc $rc)" \
  '[ $rc -ne 0 ] && grep -q "the slab-kernel engine needs [0-9]* bytes .* choose another engine with -stz_engine" <<<"$out" && grep -q "3 comps x 3 modes x 8192 source rows" <<<"$out"'
check "nothing written after the memory check failed" '[ ! -e "$tmp/f/summary.json" ]'
out=$("$stz" run -stz_geometry block -stz_bc_top glue -stz_output_dir "$tmp/g" 2>&1); rc=$?
check "unknown -stz_bc_top names option, value and the allowed conditions (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_bc_top = .glue. is not known: allowed free, fixed, roller, displacement, traction" <<<"$out"'
out=$("$stz" run -stz_geometry slab -stz_bc_left free -stz_output_dir "$tmp/g" 2>&1); rc=$?
check "an edge condition on a periodic edge is an error (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_bc_left is given but the left edge of -stz_geometry slab is periodic" <<<"$out"'
out=$("$stz" run -stz_geometry block -stz_engine kernel -stz_output_dir "$tmp/g" 2>&1); rc=$?
check "the periodic kernel engine on a block is an error naming the engines that apply (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_engine = kernel needs -stz_geometry periodic (it is block): use slab-kernel, factor or resolve" <<<"$out"'
out=$("$stz" run -stz_geometry cube -stz_output_dir "$tmp/g" 2>&1); rc=$?
check "unknown -stz_geometry lists the allowed ones (rc $rc)" '[ $rc -ne 0 ] && grep -q "allowed periodic, slab, block" <<<"$out"'
out=$("$stz" run -stz_geometry block -stz_nx 16 -stz_ny 16 -stz_bc_top traction -stz_bc_top_value 0,-1e8 -stz_output_dir "$tmp/h" 2>&1); rc=$?
check "single-stz in a block under a top traction runs and records the edge in summary.json (rc $rc)" '[ $rc -eq 0 ] && [ -s "$tmp/h/fields.csv" ] && grep -q "\"stz_bc_top\": \"traction\"" "$tmp/h/summary.json"'
out=$("$stz" run -stz_protocol aqs -stz_frame_scale -1 -stz_output_dir "$tmp/aqs-f" 2>&1); rc=$?
check "out-of-range -stz_frame_scale -1 names option, value and range (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_frame_scale = -1.* is out of range: allowed 0.* [.][.] 10" <<<"$out"'
out=$("$stz" run -stz_protocol aqs -stz_frames movie -stz_output_dir "$tmp/aqs-g" 2>&1); rc=$?
check "unknown -stz_frames lists the allowed values (rc $rc)" '[ $rc -ne 0 ] && grep -q "stz_frames = .movie. is not known: allowed none, avalanche, strain" <<<"$out"'
out=$("$stz" run -stz_protocol aqs -stz_aqs_loading twist -stz_output_dir "$tmp/aqs-h" 2>&1); rc=$?
check "unknown -stz_aqs_loading lists the loading modes (rc $rc)" '[ $rc -ne 0 ] && grep -q "allowed pure-shear, simple-shear, compression, tension" <<<"$out"'
out=$("$stz" run -stz_protocol aqs -stz_nx 32 -stz_ny 32 -stz_max_strain 0.12 -stz_frames avalanche -stz_frame_min_events 5 -stz_max_frames 3 -stz_output_dir "$tmp/aqs-i" 2>&1); rc=$?
check "aqs run writes avalanches.csv, avalanche_sizes.csv and numbered frames, at most -stz_max_frames (rc $rc)" '[ $rc -eq 0 ] && head -1 "$tmp/aqs-i/avalanches.csv" | grep -q "^index,start_strain,start_stress_pa,size,size_stz,stress_drop_pa,events," && [ -s "$tmp/aqs-i/avalanche_sizes.csv" ] && [ -s "$tmp/aqs-i/frames/frame_00001.png" ] && [ -s "$tmp/aqs-i/frames/frame_00003.png" ] && [ ! -e "$tmp/aqs-i/frames/frame_00004.png" ]'
check "aqs summary.json has the avalanche keys" 'grep -q "\"avalanche_count\": [1-9]" "$tmp/aqs-i/summary.json" && grep -q "\"avalanche_exponent\": " "$tmp/aqs-i/summary.json" && grep -q "\"avalanche_exponent_ci_low\": " "$tmp/aqs-i/summary.json" && grep -q "\"avalanche_exponent_ci_high\": " "$tmp/aqs-i/summary.json"'
out=$("$stz" run -stz_protocol aqs -stz_nx 16 -stz_ny 16 -stz_max_strain 0.15 -stz_avalanche_bootstrap 0 -stz_output_dir "$tmp/aqs-j" 2>&1); rc=$?
check "summary.json stays valid JSON without a bootstrap interval (rc $rc)" '[ $rc -eq 0 ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/aqs-j/summary.json" && grep -q "\"avalanche_exponent_ci_low\": null" "$tmp/aqs-j/summary.json"'
check "no temporary files left by the aqs run" '[ -z "$(find "$tmp/aqs-i" -name "*.tmp")" ]'
# Treatments (docs/outputs.md): their options are validated before anything is written, and a short cyclic run writes
# cycles.csv with the contract's columns and a summary.json with the stored-energy keys.
out=$("$stz" run -stz_protocol creep -stz_output_dir "$tmp/t1" 2>&1); rc=$?
check "creep without -stz_yield_stress_pa is an error saying where to get it, nothing written (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_yield_stress_pa is needed by -stz_protocol creep" <<<"$out" && [ ! -e "$tmp/t1" ]'
out=$("$stz" run -stz_protocol creep -stz_nx 8 -stz_ny 8 -stz_yield_stress_pa 1e9 -stz_creep_stress_fraction 1 -stz_creep_max_strain 0.02 -stz_output_dir "$tmp/t1b" 2>&1); rc=$?
check "creep above the flow stress stops at -stz_creep_max_strain with a message and says so in summary.json (rc $rc)" '[ $rc -eq 0 ] && grep -q "the strain reached -stz_creep_max_strain 0.02" <<<"$out" && grep -q "\"stopped_at_max_strain\": true" "$tmp/t1b/summary.json"'
out=$("$stz" run -stz_protocol cyclic -stz_cyclic_control stress -stz_output_dir "$tmp/t1c" 2>&1); rc=$?
check "stress-controlled cycles without -stz_cyclic_stress_pa are an error naming it, nothing written (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_cyclic_stress_pa is needed by -stz_cyclic_control stress" <<<"$out" && [ ! -e "$tmp/t1c" ]'
out=$("$stz" run -stz_protocol cyclic -stz_nx 8 -stz_ny 8 -stz_cyclic_control stress -stz_cyclic_stress_pa 1e9 -stz_creep_max_strain 0.02 -stz_output_dir "$tmp/t1d" 2>&1); rc=$?
check "stress-controlled cycles above the flow stress stop at -stz_creep_max_strain and say so (rc $rc)" '[ $rc -eq 0 ] && grep -q "the strain reached -stz_creep_max_strain 0.02" <<<"$out" && grep -q "\"stopped_at_max_strain\": true" "$tmp/t1d/summary.json" && [ -s "$tmp/t1d/cycles.csv" ]'
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,bake -stz_output_dir "$tmp/t2" 2>&1); rc=$?
check "an unknown stage of -stz_sequence names it (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_sequence: stage 2 = .bake. is not a stage a sequence can run" <<<"$out"'
out=$("$stz" run -stz_protocol anneal -stz_initial_state crystal -stz_output_dir "$tmp/t3" 2>&1); rc=$?
check "unknown -stz_initial_state lists the allowed ones (rc $rc)" '[ $rc -ne 0 ] && grep -q "allowed as-quenched, annealed" <<<"$out"'
out=$("$stz" run -stz_protocol cyclic -stz_cyclic_amplitude 2 -stz_output_dir "$tmp/t4" 2>&1); rc=$?
check "out-of-range -stz_cyclic_amplitude 2 names option, value and range (rc $rc)" '[ $rc -ne 0 ] && grep -q -- "-stz_cyclic_amplitude = 2.* is out of range" <<<"$out"'
out=$("$stz" run -stz_protocol cyclic -stz_nx 16 -stz_ny 16 -stz_cycles 2 -stz_output_dir "$tmp/t5" 2>&1); rc=$?
check "a cyclic run writes cycles.csv (cycle, stored and dissipated energy, peak stress) and the stored-energy keys (rc $rc)" \
  '[ $rc -eq 0 ] && head -1 "$tmp/t5/cycles.csv" | grep -q "^cycle,time_s,stored_energy_j_per_gatom,.*dissipated_work_j_per_gatom,.*peak_stress_pa" && [ "$(wc -l < "$tmp/t5/cycles.csv")" -eq 4 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert \"stored_energy_j_per_gatom_initial\" in d and \"stored_energy_j_per_gatom_final\" in d and d[\"cycles\"] == d[\"cycles_completed\"] == 2" "$tmp/t5/summary.json"'
# A heating scan as a stage after a treatment writes dsc.csv, a row per kelvin, whose heat given off is the fall of the stored
# energy; a scan that would cool is refused, naming the option.
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,dsc -stz_nx 8 -stz_ny 8 -stz_hold_time_s 10 -stz_dsc_end_k 400 -stz_output_dir "$tmp/dsc" 2>&1); rc=$?
out2=$("$stz" run -stz_protocol dsc -stz_dsc_end_k 250 -stz_output_dir "$tmp/dsc2" 2>&1); rc2=$?
check "a dsc stage writes dsc.csv (a row per kelvin, heat given off = fall of the stored energy) and its summary keys; a scan to 250 K from 300 K is refused (rc $rc, $rc2)" \
  '[ $rc -eq 0 ] && [ $rc2 -eq 1 ] && grep -q -- "-stz_dsc_end_k = 250.* must be above the scan.s start, 300" <<<"$out2" && [ ! -e "$tmp/dsc2" ] && python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + \"/02-dsc/dsc.csv\")))
d = json.load(open(sys.argv[1] + \"/02-dsc/summary.json\"))
assert len(rows) == 101 and float(rows[0][\"temperature_k\"]) == 300 and float(rows[-1][\"temperature_k\"]) == 400
assert abs(float(rows[-1][\"heat_released_j_per_gatom\"]) - (d[\"stored_energy_j_per_gatom_initial\"] - d[\"stored_energy_j_per_gatom_final\"])) < 1e-6 * max(1, abs(d[\"stored_energy_j_per_gatom_initial\"]))
assert d[\"protocol\"] == \"dsc\" and d[\"relaxation_enthalpy_j_per_gatom\"] >= 0 and \"glass_transition_k\" in d and \"heat_release_50pct_k\" in d
" "$tmp/dsc"'
# A run cut short (here by -stz_max_events, as by Ctrl-C) says how many cycles ran to their end: cycles.csv then has the
# initial row, one per completed cycle and the unfinished one.
out=$("$stz" run -stz_protocol cyclic -stz_nx 16 -stz_ny 16 -stz_cycles 10 -stz_max_events 3000 -stz_output_dir "$tmp/t6" 2>&1); rc=$?
check "a cyclic run cut by -stz_max_events reports cycles_completed < cycles, and cycles.csv ends with the unfinished cycle (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
d = json.load(open(sys.argv[1] + \"/summary.json\"))
rows = list(csv.DictReader(open(sys.argv[1] + \"/cycles.csv\")))
assert d[\"cycles\"] == 10 and 0 < d[\"cycles_completed\"] < 10 and len(rows) == d[\"cycles_completed\"] + 2 and d[\"events\"] == 3000
" "$tmp/t6"'
out=$("$stz" run -stz_protocol creep -stz_nx 8 -stz_ny 8 -stz_temperature_k 77 -stz_yield_stress_pa 2.4e9 -stz_hold_time_s 10 -stz_fields_csv -stz_output_dir "$tmp/fe" 2>&1); rc=$?
# The per-site stored energies of fields.csv average to the sample's stored energy (summary.json), to the printed precision.
fe_mean=$(awk -F, 'NR > 1 { s += $14; n++ } END { if (n) printf "%.9e", s / n }' "$tmp/fe/fields.csv" 2>/dev/null)
fe_total=$(sed -n 's/.*"stored_energy_j_per_gatom_final": \([^,]*\),.*/\1/p' "$tmp/fe/summary.json" 2>/dev/null)
check "a treatment with -stz_fields_csv writes per-site stored energies whose mean is the sample's ($fe_mean vs $fe_total J/g-atom; rc $rc)" '[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/fe/fields.csv")" -eq 65 ] && awk -v a="$fe_mean" -v b="$fe_total" "BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= 1e-6 * (m > 1 ? m : 1)) }"'
# -stz_fields_vtk: the same per-site fields as VTK image data (one cell per site, x fastest), for ParaView.
out=$("$stz" run -stz_protocol pure-shear -stz_nx 12 -stz_ny 8 -stz_max_strain 0.03 -stz_map_strains 0.03 -stz_fields_csv -stz_fields_vtk -stz_output_dir "$tmp/vt" 2>&1); rc=$?
check "-stz_fields_vtk writes fields.vti, a 12 x 8 cell image whose arrays equal fields.csv (rc $rc)" '[ $rc -eq 0 ] && python3 -c "
import csv, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1] + \"/fields.vti\").getroot()
img = root.find(\"ImageData\")
assert root.get(\"type\") == \"ImageData\" and img.get(\"WholeExtent\") == \"0 12 0 8 0 0\"
arr = {a.get(\"Name\"): [float(v) for v in a.text.split()] for a in root.iter(\"DataArray\")}
rows = list(csv.DictReader(open(sys.argv[1] + \"/fields.csv\")))
close = lambda a, b: abs(a - b) <= 1e-8 * max(1.0, abs(b))
assert len(arr[\"activations\"]) == len(rows) == 96
for i, r in enumerate(rows):
    assert arr[\"activations\"][i] == float(r[\"activations\"]) and close(arr[\"sigma_xx_yy_xy_pa\"][3 * i + 2], float(r[\"sigma_xy_pa\"]))
    assert close(arr[\"eps_p_xx_yy_xy\"][3 * i], float(r[\"eps_p_xx\"])) and close(arr[\"elastic_structural_stored_energy_j_per_gatom\"][3 * i + 2], float(r[\"stored_energy_j_per_gatom\"]))
" "$tmp/vt"'
out=$("$stz" run -options_file "$cfg" -stz_nx 16 -stz_ny 16 -stz_output_dir "$tmp/q\"uo\\te" 2>&1); rc=$?
check "a quote and a backslash in -stz_output_dir stay valid JSON in summary.json (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"options\"][\"stz_output_dir\"] == sys.argv[2]" "$tmp/q\"uo\\te/summary.json" "$tmp/q\"uo\\te"'
out=$("$stz" run -stz_protocol creep -stz_yield_stress_pa 6.5e8x -stz_output_dir "$tmp/y1" 2>&1); rc=$?
check "a malformed -stz_yield_stress_pa names option, value, and the allowed forms (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_yield_stress_pa = .6.5e8x.: expected a stress in Pa (e.g. 6.5e8) or .measure." <<<"$out"'
# -stz_yield_stress_pa measure runs a pure-shear test first, in yield-test/ (with a space in the path, and on two MPI ranks,
# where treatments run on rank 0 alone: the test must not wait for the other rank).
ys_opts=(run -stz_protocol creep -stz_nx 16 -stz_ny 16 -stz_hold_time_s 1 -stz_yield_stress_pa measure)
out=$("$stz" "${ys_opts[@]}" -stz_output_dir "$tmp/y 2" 2>&1); rc=$?
check "creep with -stz_yield_stress_pa measure writes the test in yield-test/ and uses its yield stress (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a[\"yield_stress_measured\"] and a[\"options\"][\"stz_yield_stress_pa\"] == b[\"yield_stress_pa\"] and b[\"options\"][\"stz_protocol\"] == \"pure-shear\"" "$tmp/y 2/summary.json" "$tmp/y 2/yield-test/summary.json"'
if command -v mpiexec > /dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
  out=$(timeout 120 mpiexec -n 2 "$stz" "${ys_opts[@]}" -stz_output_dir "$tmp/y3" 2>&1); rc=$?
  check "the same on two MPI ranks finishes, with the same yield stress (rc $rc)" \
    '[ $rc -eq 0 ] && cmp -s <(grep "^  .yield_stress_pa" "$tmp/y 2/yield-test/summary.json") <(grep "^  .yield_stress_pa" "$tmp/y3/yield-test/summary.json")'
else
  check "mpiexec is installed (scripts/setup installs OpenMPI; the MPI checks need it)" false
fi
# The same seed gives the same series whatever the thread count, set from outside as a user would (OMP_NUM_THREADS also sets
# OpenBLAS's threads, which used to change the last digits of the FE solves on 32 x 32 sites and up).
thr_opts=(run -stz_protocol pure-shear -stz_nx 32 -stz_ny 32 -stz_max_strain 0.03)
out=$(OMP_NUM_THREADS=1 "$stz" "${thr_opts[@]}" -stz_output_dir "$tmp/t1" 2>&1); rc=$?
out2=$(OMP_NUM_THREADS=2 "$stz" "${thr_opts[@]}" -stz_output_dir "$tmp/t2" 2>&1); rc2=$?
check "OMP_NUM_THREADS=1 and 2 give a byte-identical series.csv (rc $rc, $rc2)" '[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && cmp -s "$tmp/t1/series.csv" "$tmp/t2/series.csv"'
# SIGTERM (as Ctrl-C's SIGINT, which a script's background job ignores) stops a run at its next event: it writes all its
# outputs (summary.json "interrupted": true), leaves no .tmp file, and exits with 143 as a signal would. The signal is sent
# once the run is past its set-up (series.csv.tmp exists). timeout(1) sends it twice (to the process, then to its group):
# a second signal within a second is the same request, one later ends the run at once (by design). A re-run into the same directory removes what the earlier run
# left; a run refused before it starts touches nothing; a directory stzdyn never wrote to is not cleaned.
"$stz" run -stz_protocol pure-shear -stz_nx 64 -stz_ny 64 -stz_max_strain 1 -stz_map_strains 0.01 -stz_output_dir "$tmp/int" > "$tmp/int.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -e "$tmp/int/series.csv.tmp" ] && break; sleep 0.1; done
sleep 0.5; kill -TERM $pid; wait $pid; rc=$?
check "SIGTERM: exit 143, complete outputs marked interrupted, no .tmp left (rc $rc)" \
  '[ $rc -eq 143 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"interrupted\"] is True and d[\"final_strain\"] < 1" "$tmp/int/summary.json" && [ -s "$tmp/int/series.csv" ] && [ -s "$tmp/int/bands.csv" ] && [ -z "$(find "$tmp/int" -name "*.tmp")" ] && grep -q "interrupted" "$tmp/int.log"'
"$stz" run -stz_protocol pure-shear -stz_nx 64 -stz_ny 64 -stz_max_strain 1 -stz_output_dir "$tmp/int2" > "$tmp/int2.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -e "$tmp/int2/series.csv.tmp" ] && break; sleep 0.1; done
sleep 0.5; kill -TERM $pid; kill -TERM $pid; wait $pid; rc=$?
check "two SIGTERMs at once (as timeout(1) sends): still one request, complete outputs (rc $rc)" \
  '[ $rc -eq 143 ] && python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"interrupted\"] is True" "$tmp/int2/summary.json" && [ -z "$(find "$tmp/int2" -name "*.tmp")" ]'
out=$("$stz" run -stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_hold_time_s 1 -elas_ksp_tpye cg -stz_output_dir "$tmp/int" 2>&1); rc=$?
check "a run refused for a misspelled solver option leaves the earlier outputs alone (rc $rc)" '[ $rc -eq 1 ] && grep -q "unknown option -elas_ksp_tpye" <<<"$out" && [ -s "$tmp/int/bands.csv" ] && ! grep -q removed <<<"$out"'
mkdir -p "$tmp/mine/frames"; touch "$tmp/mine/fields.csv" "$tmp/mine/frames/frame_00001.png"
out=$("$stz" run -stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_hold_time_s 1 -stz_output_dir "$tmp/mine" 2>&1); rc=$?
check "a directory without stzdyn's marker keeps files that merely share output names (rc $rc)" '[ $rc -eq 0 ] && [ -e "$tmp/mine/fields.csv" ] && [ -e "$tmp/mine/frames/frame_00001.png" ] && [ -e "$tmp/mine/.stzdyn-run" ]'
touch "$tmp/int/notes.txt" "$tmp/int/map_mine.png"
echo keep > "$tmp/outside.txt"; ln -s "$tmp/outside.txt" "$tmp/int/summary.json.tmp"
out=$("$stz" run -stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_hold_time_s 1 -stz_output_dir "$tmp/int" 2>&1); rc=$?
check "a re-run into the same directory removes the earlier run's outputs, says so, and keeps other files (rc $rc)" \
  '[ $rc -eq 0 ] && grep -q "removed [0-9]* files an earlier run left" <<<"$out" && [ ! -e "$tmp/int/bands.csv" ] && [ ! -e "$tmp/int/map_plastic_strain_0.0100.png" ] && [ -e "$tmp/int/notes.txt" ] && [ -e "$tmp/int/map_mine.png" ] && grep -q "\"interrupted\": false" "$tmp/int/summary.json"'
check "a symbolic link under an output's name is removed, never written through" '[ "$(cat "$tmp/outside.txt")" = keep ] && [ ! -L "$tmp/int/summary.json" ]'
out=$("$stz" run -stz_protocol pure-shear -stz_nx 16 -stz_ny 16 -stz_nx abc -stz_output_dir "$tmp/v1" 2>&1); rc=$?
check "a non-numeric value names its option (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "option -stz_nx = .abc. is not a whole number" <<<"$out"'
out=$("$stz" run -stz_protocol pure-shear -stz_nx 16 -stz_ny 16 -stz_temperature_k -stz_output_dir "$tmp/v2" 2>&1); rc=$?
check "an option without its value is an error, not the default (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "option -stz_temperature_k is given without a value" <<<"$out"'
out=$("$stz" run -stz_protocol single-stz -stz_nx 16 -stz_ny 16 -stz_single_theta_deg nan -stz_output_dir "$tmp/v3" 2>&1); rc=$?
check "NaN is refused (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "option -stz_single_theta_deg = .nan. is not a finite number" <<<"$out" && [ ! -e "$tmp/v3/summary.json" ]'
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,anneal,anneal,anneal,anneal,anneal,anneal,anneal,anneal -stz_output_dir "$tmp/v4" 2>&1); rc=$?
check "a list longer than allowed is refused, not cut (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "option -stz_sequence lists 9 values: at most 8" <<<"$out"'
printf 'stz_protocol: pure-shear\n  stz_max_strain: [oops\n' > "$tmp/bad.yaml"
out=$("$stz" run -options_file "$tmp/bad.yaml" -stz_output_dir "$tmp/v5" 2>&1); rc=$?
check "a malformed YAML file is a one-line error naming it (rc $rc)" '[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "bad.yaml is not valid YAML: .* at line 2, column" <<<"$out"'
printf -- '- stz_nx: 8\n' > "$tmp/list.yaml"
out=$("$stz" run -options_file "$tmp/list.yaml" -stz_output_dir "$tmp/v5" 2>&1); rc=$?
check "valid YAML that is not a mapping of options (a list) is a one-line error, not PETSc's traceback (rc $rc)" '[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "list.yaml is YAML but not a mapping of options: line 1 holds a list" <<<"$out"'
# Near T = 0 nothing is thermally activated below the athermal threshold (about 3.4 GPa here): a shear test to strain 0.02 is
# elastic, stress = mu x strain exactly, with no event. (At 0.001 K rates flushed at one pass used to grow past the float
# window within a step, and the run crashed.)
out=$("$stz" run -stz_protocol pure-shear -stz_nx 8 -stz_ny 8 -stz_max_strain 0.02 -stz_temperature_k 0.001 -stz_output_dir "$tmp/lowT" 2>&1); rc=$?
check "at 0.001 K a shear test to strain 0.02 runs, with no event and the elastic stress mu x 0.02 (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); mu=d[\"options\"][\"stz_shear_modulus_pa\"]; assert d[\"events\"] == 0 and abs(d[\"peak_stress_pa\"] - 0.02 * mu) <= 1e-9 * mu, d[\"peak_stress_pa\"]" "$tmp/lowT/summary.json"'
out=$("$stz" run -stz_geometry slab -stz_bc_top traction -stz_bc_top_value 1e8 -stz_output_dir "$tmp/v5" 2>&1); rc=$?
check "a traction with one value (it would be a shear load) is refused, saying what it takes (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "option -stz_bc_top_value gives 1 value but -stz_bc_top = traction takes two" <<<"$out"'
out=$("$stz" run -stz_protocol thermal-cycling -stz_nx 8 -stz_ny 8 -stz_thermal_cycles 1 -stz_cycles 5 -stz_frames avalanche -stz_output_dir "$tmp/v5" 2>&1); rc=$?
check "options of other protocols given to a run (-stz_cycles, -stz_frames to thermal-cycling) get a note each (rc $rc)" '[ $rc -eq 0 ] && grep -q -- "note: option -stz_cycles does nothing in this run: it belongs to cyclic" <<<"$out" && grep -q -- "note: option -stz_frames does nothing in this run" <<<"$out"'
out=$("$stz" run -stz_protocol compression -stz_geometry block -stz_bc_top roller -stz_bc_bottom roller -stz_nx 64 -stz_ny 64 -stz_max_strian 0.01 -stz_output_dir "$tmp/v6" 2>&1); rc=$?
check "a misspelled option stops the run before the engine's set-up (rc $rc)" '[ $rc -eq 1 ] && grep -q "unknown option -stz_max_strian" <<<"$out" && ! grep -q "engine" <<<"$out"'
out=$("$stz" run -stz_protocol anneal -stz_nx 16 -stz_ny 16 -stz_hold_time_s 1 -stz_temperature_k 500 -stz_output_dir "$tmp/n1" 2>&1); rc=$?
check "an option the protocol ignores gets a note naming what does the job (rc $rc)" '[ $rc -eq 0 ] && grep -q "note: option -stz_temperature_k does not set the anneal.s temperature: -stz_anneal_temperature_k does" <<<"$out"'
# Bodies take compression and tension between roller platens only; other loads are refused with what is needed.
out=$("$stz" run -stz_protocol pure-shear -stz_geometry block -stz_output_dir "$tmp/b1" 2>&1); rc=$?
check "pure shear of a block is refused, naming what a body takes (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_protocol = pure-shear needs -stz_geometry periodic (it is block): a slab or block takes compression, tension or rolling" <<<"$out"'
out=$("$stz" run -stz_protocol compression -stz_geometry block -stz_bc_top free -stz_output_dir "$tmp/b2" 2>&1); rc=$?
check "compression of a block whose top edge is free is refused, naming the edge (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "moves the top edge: -stz_bc_top must be roller (a frictionless platen) or displacement (a sticking one), not free" <<<"$out"'
out=$("$stz" run -stz_protocol compression -stz_geometry block -stz_bc_bottom free -stz_bc_top roller -stz_output_dir "$tmp/b2" 2>&1); rc=$?
check "compression of a block on a free bottom is refused (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "needs a supported bottom edge (-stz_bc_bottom roller, fixed or displacement), not free" <<<"$out"'
out=$("$stz" run -stz_protocol compression -stz_geometry block -stz_bc_bottom roller -stz_bc_top roller -stz_bc_left traction -stz_bc_left_value 1e6,0 -stz_output_dir "$tmp/b3" 2>&1); rc=$?
check "compression of a block with a loaded side is refused (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "loads the body through its top edge only: -stz_bc_left_value must be zero" <<<"$out"'
# Ensembles (-stz_seeds): one complete run per seed in seed-<n>/, the same as that seed alone, and ensemble.csv / .json; the
# same table on two ranks; malformed and repeated seed lists are errors.
ens_opts=(run -stz_protocol pure-shear -stz_nx 16 -stz_ny 16 -stz_max_strain 0.04 -stz_strain_rate 1e-2)
out=$("$stz" "${ens_opts[@]}" -stz_seeds 2,5 -stz_output_dir "$tmp/en1" 2>&1); rc=$?
out2=$("$stz" "${ens_opts[@]}" -stz_seed 5 -stz_output_dir "$tmp/en5" 2>&1); rc2=$?
check "an ensemble writes seed-<n>/ runs identical to single runs, and ensemble.csv/json with their statistics (rc $rc, $rc2)" \
  '[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l < "$tmp/en1/ensemble.csv")" -eq 3 ] && cmp -s "$tmp/en1/seed-5/series.csv" "$tmp/en5/series.csv" && python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + \"/ensemble.csv\")))
e = json.load(open(sys.argv[1] + \"/ensemble.json\"))
one = json.load(open(sys.argv[2] + \"/summary.json\"))
assert [r[\"seed\"] for r in rows] == [\"2\", \"5\"] and float(rows[1][\"peak_stress_pa\"]) == one[\"peak_stress_pa\"]
p = [float(r[\"peak_stress_pa\"]) for r in rows]
assert e[\"seeds\"] == 2 and abs(e[\"columns\"][\"peak_stress_pa\"][\"mean\"] - sum(p) / 2) < 1e-6 * p[0] and e[\"options\"][\"stz_seeds\"] == \"2,5\"
" "$tmp/en1" "$tmp/en5"'
# Solver options reach an ensemble's runs (they used to be refused as unknown, since the ensemble itself sets up no model);
# a misspelled one is refused before anything is written.
out=$("$stz" "${ens_opts[@]}" -stz_seeds 5 -elas_pc_type lu -stz_output_dir "$tmp/en7" 2>&1); rc=$?
out2=$("$stz" "${ens_opts[@]}" -stz_seeds 5 -elas_pc_tpye lu -stz_output_dir "$tmp/en8" 2>&1); rc2=$?
check "an ensemble takes a solver option (-elas_pc_type lu gives the same peak), and refuses a misspelled one up front (rc $rc, $rc2)" \
  '[ $rc -eq 0 ] && [ $rc2 -eq 1 ] && grep -q "unknown option -elas_pc_tpye" <<<"$out2" && [ ! -e "$tmp/en8" ] && python3 -c "
import json, sys
a, b = (json.load(open(f))[\"peak_stress_pa\"] for f in sys.argv[1:])
assert abs(a - b) < 1e-6 * a
" "$tmp/en7/seed-5/summary.json" "$tmp/en5/summary.json"'
out=$("$stz" run -stz_protocol creep -stz_nx 16 -stz_ny 16 -stz_hold_time_s 10 -stz_yield_stress_pa 6.5e8 -stz_creep_stress_fraction 1.2 -stz_creep_max_strain 0.03 -stz_seeds 1,2 -stz_output_dir "$tmp/en6" 2>&1); rc=$?
check "an ensemble of a treatment (creep above yield, stopped at -stz_creep_max_strain) reports its strains per seed, as in the seed's summary.json, and leaves loading and cycle columns empty (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + \"/ensemble.csv\")))
one = json.load(open(sys.argv[1] + \"/seed-2/summary.json\"))
r = rows[1]
close = lambda a, b: abs(a - b) <= 1e-8 * abs(b)
assert close(float(r[\"treatment_strain\"]), one[\"final_strain\"]) and close(float(r[\"treatment_plastic_strain\"]), one[\"plastic_strain_final\"]) and one[\"plastic_strain_final\"] > 0
assert r[\"treatment_stopped_at_max_strain\"] == \"1\" and one[\"stopped_at_max_strain\"] and r[\"peak_stress_pa\"] == \"\" and r[\"last_cycle_dissipated_work_j_per_gatom\"] == \"\"
" "$tmp/en6"'
check "a loading run writes bands.csv with one row per band of summary.json's band_count, at its band_angle_deg" \
  'python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + \"/bands.csv\")))
one = json.load(open(sys.argv[1] + \"/summary.json\"))
assert len(rows) == one[\"band_count\"] and all(abs(float(r[\"angle_deg\"]) - one[\"band_angle_deg\"]) < 0.01 for r in rows)
assert all(0 < float(r[\"strain_share\"]) <= 1 and float(r[\"width_m\"]) > 0 for r in rows)
" "$tmp/en5"'
out=$("$stz" "${ens_opts[@]}" -stz_seeds 1-3,2 -stz_output_dir "$tmp/en2" 2>&1); rc=$?
check "a repeated seed in -stz_seeds is an error naming it (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_seeds = .1-3,2. lists seed 2 more than once" <<<"$out"'
out=$("$stz" "${ens_opts[@]}" -stz_seeds 4-2 -stz_output_dir "$tmp/en2" 2>&1); rc=$?
check "a malformed -stz_seeds names the value and the allowed forms (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_seeds = .4-2.: expected seeds >= 0 as a list of numbers and upward ranges" <<<"$out"'
out=$("$stz" run -stz_protocol pure-shear -stz_nx 8192 -stz_ny 8192 -stz_engine slab-kernel -stz_seeds 1-2 -stz_output_dir "$tmp/en4" 2>&1); rc=$?
check "a seed that fails stops the ensemble with its own error and a line naming the seed (rc $rc)" \
  '[ $rc -eq 1 ] && grep -q "slab-kernel engine needs" <<<"$out" && grep -q "the ensemble stopped: the run of seed 1 failed" <<<"$out" && [ ! -e "$tmp/en4/ensemble.csv" ]'
# Indentation: a free surface is needed; an ensemble reports each seed's first pop-in as in its summary.json and popin.csv.
out=$("$stz" run -stz_protocol indent -stz_nx 16 -stz_ny 16 -stz_output_dir "$tmp/in0" 2>&1); rc=$?
check "indent on the periodic box is an error asking for a slab or block (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_protocol = indent needs a free surface for its indentation: -stz_geometry slab or block" <<<"$out"'
out=$("$stz" run -stz_protocol indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 32 -stz_ny 16 -stz_indent_radius_m 5e-8 -stz_seeds 1-4 -stz_output_dir "$tmp/in1" 2>&1); rc=$?
check "an indentation ensemble reports each seed's first pop-in as in its summary.json and popin.csv, leaves the loading columns empty, and fits an activation volume to them (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + \"/ensemble.csv\")))
for r in rows:
    d = sys.argv[1] + \"/seed-\" + r[\"seed\"]
    one = json.load(open(d + \"/summary.json\"))
    pops = list(csv.DictReader(open(d + \"/popin.csv\")))
    assert int(r[\"popin_count\"]) == one[\"popin_count\"] == len(pops) >= 1
    assert abs(float(r[\"first_popin_load_n_per_m\"]) - one[\"first_popin_load_n_per_m\"]) <= 1e-8 * one[\"first_popin_load_n_per_m\"]
    assert abs(float(pops[0][\"load_n_per_m\"]) - one[\"first_popin_load_n_per_m\"]) <= 1e-7 * one[\"first_popin_load_n_per_m\"]
    assert abs(float(pops[0][\"hertz_max_shear_pa\"]) - float(r[\"first_popin_hertz_max_shear_pa\"])) <= 1e-5 * float(r[\"first_popin_hertz_max_shear_pa\"])
    assert float(pops[0][\"depth_jump_m\"]) >= one[\"options\"][\"stz_popin_depth_m\"] and r[\"peak_stress_pa\"] == \"\"
e = json.load(open(sys.argv[1] + \"/ensemble.json\"))
f = e[\"popin_activation_volume\"]
assert (f is None and e[\"popin_activation_volume_note\"].startswith(\"no activation volume\")) or (f[\"popins\"] == len(rows) and f[\"censored\"] == 0 and 0 < f[\"ci_m3\"][0] <= f[\"m3\"] <= f[\"ci_m3\"][1] and f[\"temperature_k\"] == 300)
" "$tmp/in1"'
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,indent -stz_hold_time_s 10 -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 32 -stz_ny 16 -stz_indent_radius_m 5e-8 -stz_output_dir "$tmp/in2" 2>&1); rc=$?
check "a sequence anneal, indent on a slab indents the annealed sample; the top summary.json has the stage's first pop-in (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import json, sys
top = json.load(open(sys.argv[1] + \"/summary.json\"))
one = json.load(open(sys.argv[1] + \"/02-indent/summary.json\"))
st = top[\"stages\"][1]
assert st[\"protocol\"] == \"indent\" and st[\"popin_count\"] == one[\"popin_count\"] == 1
assert abs(st[\"first_popin_load_n_per_m\"] - one[\"first_popin_load_n_per_m\"]) <= 1e-8 * one[\"first_popin_load_n_per_m\"]
assert one[\"stored_energy_j_per_gatom_initial\"] == top[\"stages\"][0][\"stored_energy_j_per_gatom_final\"] < top[\"stored_energy_j_per_gatom_initial\"]
" "$tmp/in2"'
out=$("$stz" run -stz_protocol sequence -stz_sequence cyclic,indent -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_output_dir "$tmp/in3" 2>&1); rc=$?
check "a sequence on a slab with another treatment than anneal, thermal cycling, dsc or roll-gap is an error naming the stage (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "stage 1 = cyclic needs -stz_geometry periodic (it is slab): a sequence on a slab or block takes anneal, thermal-cycling, dsc and roll-gap (a block) stages and a last indent stage" <<<"$out"'
out=$("$stz" run -stz_protocol sequence -stz_sequence thermal-cycling,indent -stz_thermal_cycles 2 -stz_thermal_period_s 60 -stz_alpha_spread 0.5 -stz_geometry slab -stz_bc_bottom fixed -stz_bc_top free -stz_nx 32 -stz_ny 16 -stz_indent_radius_m 5e-8 -stz_output_dir "$tmp/in4" 2>&1); rc=$?
check "a sequence thermal-cycling, indent on a slab cycles the sample (a row per cycle in cycles.csv) and indents it as cycled (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
cyc = list(csv.DictReader(open(sys.argv[1] + \"/01-thermal-cycling/cycles.csv\")))
top = json.load(open(sys.argv[1] + \"/summary.json\"))
one = json.load(open(sys.argv[1] + \"/02-indent/summary.json\"))
assert [int(r[\"cycle\"]) for r in cyc] == [0, 1, 2]
assert one[\"popin_count\"] == 1 and one[\"stored_energy_j_per_gatom_initial\"] == top[\"stages\"][0][\"stored_energy_j_per_gatom_final\"]
" "$tmp/in4"'
# Rolling: passes of compression, each unloaded to zero platen force; cold work stores energy in an annealed glass.
out=$("$stz" run -stz_protocol rolling -stz_rolling_passes 4 -stz_rolling_pass_strain 0.02 -stz_geometry block -stz_bc_left free -stz_bc_right free -stz_bc_bottom roller -stz_bc_top roller -stz_nx 24 -stz_ny 16 -stz_initial_state annealed -stz_output_dir "$tmp/ro1" 2>&1); rc=$?
check "rolling writes a row per pass; each pass ends unloaded, with the platen where the plastic strain leaves it, and the plastic strain and stored energy grow pass by pass (cold work; rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
p = list(csv.DictReader(open(sys.argv[1] + \"/passes.csv\")))
s = list(csv.DictReader(open(sys.argv[1] + \"/series.csv\")))
one = json.load(open(sys.argv[1] + \"/summary.json\"))
assert len(p) == 4 and one[\"protocol\"] == \"rolling\"
peak = max(float(r[\"stress_pa\"]) for r in s)
for r in p:
    row = min(s, key=lambda q: abs(float(q[\"strain\"]) - float(r[\"strain_unloaded\"])) + abs(float(q[\"plastic_strain\"]) - float(r[\"plastic_strain\"])))
    assert abs(float(row[\"stress_pa\"])) < 1e-6 * peak
    assert abs(float(r[\"strain_unloaded\"]) - float(r[\"plastic_strain\"])) < 1e-9  # roller platens: the response is uniform
    # springback = elastic recovery of the stress at the end of loading (strain = stress / M + plastic strain, M = 2 mu / (1 - nu))
    # plus the plastic strain the unloading reverses; that stress is positive and at most the pass peak
    end = min(s, key=lambda q: abs(float(q[\"strain\"]) - float(r[\"strain_loaded\"])))
    d, sig, M = float(r[\"strain_loaded\"]) - float(r[\"strain_unloaded\"]), float(end[\"stress_pa\"]), one[\"elastic_modulus_theory_pa\"]
    assert abs(d - sig / M - (float(end[\"plastic_strain\"]) - float(r[\"plastic_strain\"]))) < 1e-6 * d and 0 < sig <= float(r[\"peak_stress_pa\"]) * (1 + 1e-9)
for a, b in zip(p, p[1:]):
    assert float(b[\"plastic_strain\"]) > float(a[\"plastic_strain\"]) and float(b[\"stored_energy_j_per_gatom\"]) > float(a[\"stored_energy_j_per_gatom\"])
assert float(p[0][\"stored_energy_j_per_gatom\"]) > one[\"stored_energy_j_per_gatom_initial\"]
" "$tmp/ro1"'
# A roll gap travelling along a strip (model.md 10e): refused where it cannot run; passes.csv, series and summary.
out=$("$stz" run -stz_protocol roll-gap -stz_geometry slab -stz_output_dir "$tmp/rg0" 2>&1); rc=$?
check "roll-gap on a slab is refused: it needs a block, whose ends the roll enters and leaves (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_protocol = roll-gap needs -stz_geometry block (it is slab)" <<<"$out"'
out=$("$stz" run -stz_protocol roll-gap -stz_geometry block -stz_bc_top roller -stz_output_dir "$tmp/rg0" 2>&1); rc=$?
check "roll-gap with a platen on the top edge is refused (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_bc_top must be free, not roller" <<<"$out"'
out=$("$stz" run -stz_protocol roll-gap -stz_geometry block -stz_rolling_roll_radius_m -1e-6 -stz_output_dir "$tmp/rg0" 2>&1); rc=$?
check "a negative roll radius names the option, the value and the range (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_rolling_roll_radius_m = -1e-06 is out of range" <<<"$out" && [ ! -e "$tmp/rg0" ]'
out=$("$stz" run -stz_protocol rolling -stz_geometry block -stz_bc_top roller -stz_bc_bottom roller -stz_rolling_roll_speed_m_per_s 1e-7 -stz_nx 8 -stz_ny 8 -stz_rolling_passes 1 -stz_output_dir "$tmp/rg0" 2>&1); rc=$?
check "a roll option with the platen rolling gets a note that it does nothing (rc $rc)" '[ $rc -eq 0 ] && grep -q "note: option -stz_rolling_roll_speed_m_per_s applies only to -stz_protocol roll-gap" <<<"$out"'
out=$("$stz" run -stz_protocol roll-gap -stz_geometry block -stz_bc_bottom roller -stz_nx 32 -stz_ny 8 -stz_rolling_passes 2 -stz_rolling_pass_strain 0.04 -stz_rolling_reverse -stz_initial_state annealed -stz_output_dir "$tmp/rg1" 2>&1); rc=$?
check "roll-gap writes a row per pass, series and roll.csv rows as the roll travels (back in the second pass of a reversing mill), its summary keys and options (the band spacing's p-value where there is a spacing), and no avalanche files; the strip thins pass by pass (rc $rc)" \
  '[ $rc -eq 0 ] && [ ! -e "$tmp/rg1/avalanches.csv" ] && [ -s "$tmp/rg1/bands.csv" ] && python3 -c "
import csv, json, sys
p = list(csv.DictReader(open(sys.argv[1] + \"/passes.csv\")))
s = list(csv.DictReader(open(sys.argv[1] + \"/series.csv\")))
one = json.load(open(sys.argv[1] + \"/summary.json\"))
assert len(p) == 2 and one[\"protocol\"] == \"roll-gap\" and one[\"roll_passes_completed\"] == 2 and one[\"flow_stress_pa\"] is None
assert one[\"options\"][\"stz_rolling_roll_radius_m\"] == 1e-6 and one[\"options\"][\"stz_rolling_passes\"] == 2
assert 0 < float(p[0][\"thickness_reduction\"]) < float(p[1][\"thickness_reduction\"]) < 0.08 and abs(one[\"thickness_reduction_final\"] - float(p[1][\"thickness_reduction\"])) < 1e-8
assert len(s) > 2 * 32 and abs(max(float(r[\"stress_pa\"]) for r in s) - one[\"peak_stress_pa\"]) < 1e-8 * one[\"peak_stress_pa\"] and float(s[-1][\"stress_pa\"]) == 0
roll = list(csv.DictReader(open(sys.argv[1] + \"/roll.csv\")))
assert len(roll) == len(s) - 3 and sorted(set(int(r[\"pass\"]) for r in roll)) == [1, 2]  # series: the start and each pass end besides
x = [float(r[\"roll_x_m\"]) for r in roll if r[\"pass\"] == \"1\"]
x2 = [float(r[\"roll_x_m\"]) for r in roll if r[\"pass\"] == \"2\"]
assert x[0] < 0 and x[-1] > 32e-9 and all(b > a for a, b in zip(x, x[1:]))  # from before the strip to beyond it
assert x2[0] > 32e-9 and x2[-1] < 0 and all(b < a for a, b in zip(x2, x2[1:])) and one[\"options\"][\"stz_rolling_reverse\"] is True
assert 0 <= one[\"band_regularity\"] <= 1 and one[\"roll_contact_solves\"] > len(roll)
assert all((r[\"band_spacing_rd_m\"] == \"\") == (r[\"band_spacing_p_value\"] == \"\") for r in p)  # a p-value where there is a spacing
assert (one[\"band_spacing_rd_m\"] is None) == (one[\"band_spacing_p_value\"] is None) and (one[\"band_spacing_p_value\"] is None or 0.01 <= one[\"band_spacing_p_value\"] <= 1)
" "$tmp/rg1"'
out=$("$stz" run -stz_protocol roll-gap -stz_geometry block -stz_bc_bottom roller -stz_nx 32 -stz_ny 8 -stz_rolling_passes 1 -stz_rolling_pass_strain 0.04 -stz_seeds 1-2 -stz_output_dir "$tmp/rg2" 2>&1); rc=$?
check "a roll-gap ensemble tabulates each seed's last pass (pressure, thinning, band spacing and its p-value where found) beside its passes.csv, and combines the p-values (rc $rc)" \
  '[ $rc -eq 0 ] && python3 -c "
import csv, json, sys
e = list(csv.DictReader(open(sys.argv[1] + \"/ensemble.csv\")))
assert len(e) == 2
for r in e:
    p = list(csv.DictReader(open(sys.argv[1] + \"/seed-\" + r[\"seed\"] + \"/passes.csv\")))[-1]
    assert abs(float(r[\"thickness_reduction\"]) - float(p[\"thickness_reduction\"])) < 1e-8 and abs(float(r[\"roll_mean_pressure_pa\"]) / float(p[\"mean_roll_pressure_pa\"]) - 1) < 1e-8
    assert (r[\"band_spacing_rd_m\"] == \"\") == (p[\"band_spacing_rd_m\"] == \"\") and r[\"peak_stress_pa\"] == \"\"
    assert r[\"band_spacing_p_value\"] == p[\"band_spacing_p_value\"] or float(r[\"band_spacing_p_value\"]) == float(p[\"band_spacing_p_value\"])
j = json.load(open(sys.argv[1] + \"/ensemble.json\"))
assert 0 < j[\"band_spacing_combined_p_value\"] <= 1
" "$tmp/rg2"'
out=$("$stz" run -stz_protocol sequence -stz_sequence roll-gap,indent -stz_geometry block -stz_bc_bottom roller -stz_nx 32 -stz_ny 8 -stz_rolling_passes 1 -stz_rolling_pass_strain 0.04 -stz_indent_max_load 5 -stz_output_dir "$tmp/rg3" 2>&1); rc=$?
check "a sequence on a block rolls the strip, then indents the rolled strip (rc $rc)" \
  '[ $rc -eq 0 ] && [ -s "$tmp/rg3/01-roll-gap/passes.csv" ] && [ -s "$tmp/rg3/02-indent/popin.csv" ] && python3 -c "
import json, sys
top = json.load(open(sys.argv[1] + \"/summary.json\"))
one = json.load(open(sys.argv[1] + \"/02-indent/summary.json\"))
r = top[\"stages\"][0]
assert r[\"protocol\"] == \"roll-gap\" and r[\"thickness_reduction\"] > 0 and one[\"stored_energy_j_per_gatom_initial\"] == r[\"stored_energy_j_per_gatom_final\"]
" "$tmp/rg3"'
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,dsc -stz_geometry block -stz_nx 8 -stz_ny 8 -stz_hold_time_s 1 -stz_dsc_end_k 320 -stz_output_dir "$tmp/bs1" 2>&1); rc=$?
check "a sequence on a block without an indentation (anneal, then a heating scan) runs (it was refused; rc $rc)" '[ $rc -eq 0 ] && [ -s "$tmp/bs1/02-dsc/dsc.csv" ] && [ -s "$tmp/bs1/summary.json" ]'
out=$("$stz" run -stz_protocol anneal -stz_geometry block -stz_bc_top traction -stz_bc_top_value 0,1e8 -stz_output_dir "$tmp/bs3" 2>&1); rc=$?
check "an anneal of a block with a loaded edge is refused: the treatment is load-free (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "-stz_protocol = anneal on -stz_geometry block is load-free: -stz_bc_top_value must be zero" <<<"$out" && [ ! -e "$tmp/bs3" ]'
out=$("$stz" run -stz_protocol dsc -stz_geometry slab -stz_nx 8 -stz_ny 8 -stz_dsc_end_k 320 -stz_output_dir "$tmp/bs2" 2>&1); rc=$?
check "a heating scan runs alone on a slab too (it was refused; rc $rc)" '[ $rc -eq 0 ] && [ -s "$tmp/bs2/dsc.csv" ]'
out=$("$stz" run -stz_protocol sequence -stz_sequence anneal,roll-gap -stz_output_dir "$tmp/rg4" 2>&1); rc=$?
check "a roll-gap stage in a periodic box is refused, naming the block it needs (rc $rc)" '[ $rc -eq 1 ] && grep -q -- "sequence with a roll-gap stage needs -stz_geometry block (it is periodic)" <<<"$out"'
if command -v mpiexec > /dev/null; then
  out=$(timeout 120 mpiexec -n 2 "$stz" "${ens_opts[@]}" -stz_seeds 2,5 -stz_output_dir "$tmp/en3" 2>&1); rc=$?
  check "the same ensemble on two MPI ranks gives the same table (wall times aside; rc $rc)" \
    '[ $rc -eq 0 ] && cmp -s <(cut -d, -f1,2,4- "$tmp/en1/ensemble.csv") <(cut -d, -f1,2,4- "$tmp/en3/ensemble.csv") && grep -q "\"ranks\": 2" "$tmp/en3/ensemble.json"'
  # A single run is set up and run on rank 0 alone: the same series as one rank's, byte for byte (a factorisation shared
  # between the ranks used to round differently), and a note that the other rank is idle.
  out=$(timeout 120 mpiexec -n 2 "$stz" "${thr_opts[@]}" -stz_output_dir "$tmp/t3" 2>&1); rc=$?
  check "a single run on two MPI ranks gives the one-rank series.csv byte for byte, and says rank 1 is idle (rc $rc)" \
    '[ $rc -eq 0 ] && cmp -s "$tmp/t1/series.csv" "$tmp/t3/series.csv" && grep -q "rank 1 is idle" <<<"$out"'
  # A misspelled solver option stops every rank (the ranks that set up nothing used to wait for the one that failed).
  out=$(timeout 120 mpiexec -n 2 "$stz" run -stz_protocol pure-shear -stz_nx 16 -stz_ny 16 -elas_pc_tpye lu -stz_output_dir "$tmp/t4" 2>&1); rc=$?
  check "two MPI ranks: a misspelled solver option is an error on both, before anything is written (rc $rc)" \
    '[ $rc -ne 0 ] && grep -q "unknown option -elas_pc_tpye" <<<"$out" && [ ! -e "$tmp/t4" ]'
else
  check "mpiexec is installed (scripts/setup installs OpenMPI; the MPI checks need it)" false
fi
exit $fail
