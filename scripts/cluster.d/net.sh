# scripts/cluster.d/net.sh: the cluster's network. One namespace per host, each with one veth
# (eth0, CLUSTER_NET.x/24) whose peer is a port of the bridge in the switch namespace.

# net_add_host HOST: create HOST's namespace and plug it into the bridge.
net_add_host() {
	local host=$1 addr sw
	addr=$(host_addr "$host") || die "unknown host $host"
	sw=$(ns sw)
	mkdir -p "$(host_dir "$host")/run"
	ip netns add "$(ns "$host")"
	ip -n "$(ns "$host")" link set lo up
	ip -n "$sw" link add "v-$host" type veth peer name eth0 netns "$(ns "$host")"
	ip -n "$sw" link set "v-$host" master "$BRIDGE" up
	ip -n "$(ns "$host")" addr add "$addr/24" dev eth0
	ip -n "$(ns "$host")" link set eth0 up
}

net_up() {
	local sw host
	sw=$(ns sw)
	ip netns add "$sw"
	ip -n "$sw" link set lo up
	ip -n "$sw" link add "$BRIDGE" type bridge
	ip -n "$sw" link set "$BRIDGE" up
	for host in "$@"; do
		net_add_host "$host"
	done
}

# net_link HOST up|down: plug HOST's cable in or pull it (the bridge side of its veth).
net_link() {
	ip -n "$(ns sw)" link set "v-$1" "$2"
}

# net_del_host HOST: kill what runs in HOST and delete its namespace (its veth goes with it).
net_del_host() {
	local host=$1 i
	cluster_namespaces | grep -qxF "$(ns "$host")" || return 0
	kill_host_processes "$host" TERM
	for i in $(seq 50); do
		host_has_processes "$host" || break
		sleep 0.1
	done
	kill_host_processes "$host" KILL
	for i in $(seq 50); do
		host_has_processes "$host" || break
		sleep 0.1
	done
	ip netns del "$(ns "$host")" 2>/dev/null || ip netns del "$(ns "$host")"
}

# net_down: every namespace of this cluster, the switch last.
net_down() {
	local n
	for n in $(cluster_namespaces); do
		[ "$n" = "$(ns sw)" ] && continue
		net_del_host "${n#"$CLUSTER_NAME"-}"
	done
	net_del_host sw
}
