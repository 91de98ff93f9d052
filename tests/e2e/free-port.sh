# tests/e2e/free-port.sh: free_port, sourced by tests/e2e/lib.sh,
# tests/e2e/pebble.sh and ./stack (one copy of it).

# Prints a TCP port that is free on 127.0.0.1 now (the kernel's pick).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
