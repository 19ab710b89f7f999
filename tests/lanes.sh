# SPDX-License-Identifier: ISC
# lanes.sh - sourced by tests/run.sh (after tests/lib.sh): steps run side
# by side in lanes.  A lane is a shell function run in a background
# subshell with places of its own: HK_STATE, HK_GUEST_ROOT under
# $lanes_dir/NAME, HK_LISTEN on a port of its own, and HK_RESULTS a file
# of its own.  Its output goes to a log, printed whole when the lane has
# ended (lane after lane, in the order they were started), so that the run's
# log reads as a serial run's does.  A lane that ends before its last step
# (killed, or a shell error) counts as a failure of its own.
#
#   lane_start NAME PORT FUNCTION   start FUNCTION as lane NAME
#   lanes_wait                      wait for every lane started: its log,
#                                   its results into $HK_RESULTS
#   lanes_stop                      end the lanes still running (TERM to
#                                   each lane's process group: each script's
#                                   own cleanup stops its panel and guests)
#
# Needs top, start (run.sh's $SECONDS at its start) and lanes_dir set.
# NAME is short (pushd refuses a state directory longer than 40 bytes,
# and nodes.sh puts one at $HK_STATE/pushd-b).

lane_names=()
lane_pids=()

lane_start() {	# lane_start NAME PORT FUNCTION
	local name=$1 port=$2 fn=$3 dir=$lanes_dir/$1
	local out=$top/tests/artifacts/lanes/$1
	rm -rf "$dir" "$out"
	mkdir -p "$dir" "$out"
	: >"$out/results"
	# set -m: the lane gets a process group of its own, for lanes_stop
	set -m
	(
		set +m	# its commands in its group, not in groups of their own
		export HK_STATE=$dir/panel HK_GUEST_ROOT=$dir/guests
		export HK_LISTEN=127.0.0.1:$port HK_RESULTS=$out/results
		lane=$name	# run.sh's step() names it in each header
		t0=$SECONDS
		"$fn"
		echo "$((SECONDS - t0))" >"$out/done"
	) </dev/null >"$out/log" 2>&1 &
	lane_pids+=("$!")
	set +m
	lane_names+=("$name")
	echo "  lane $name started: $fn (127.0.0.1:$port, $dir)"
}

lanes_wait() {
	local i name out rc
	for i in "${!lane_names[@]}"; do
		name=${lane_names[$i]}
		out=$top/tests/artifacts/lanes/$name
		wait "${lane_pids[$i]}"
		rc=$?
		# what a lane that died left in its process group (the daemons
		# and guests are in sessions of their own: the scripts stop them)
		kill -TERM -- "-${lane_pids[$i]}" 2>/dev/null
		lane_pids[$i]=
		echo
		echo "=== lane $name: its log ($((SECONDS - start)) s)"
		cat "$out/log"
		cat "$out/results" >>"$HK_RESULTS"
		if [ -s "$out/done" ]; then
			echo "=== lane $name: ended after $(cat "$out/done") s"
		else
			fail "lane $name ended before its last step (exit status $rc; its log above)"
		fi
	done
	lane_names=()
	lane_pids=()
}

lanes_stop() {
	local p
	for p in "${lane_pids[@]}"; do
		[ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null
	done
	for p in "${lane_pids[@]}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
}
