#!/bin/sh
# `npm test` with two CPU-bound processes beside it: the suite must not depend on an idle machine.
# The busy loops are this script's own children and are stopped however the run ends.
set -u
node -e 'for(;;){}' & busy1=$!
node -e 'for(;;){}' & busy2=$!
trap 'kill "$busy1" "$busy2" 2>/dev/null' EXIT INT TERM
npm test
