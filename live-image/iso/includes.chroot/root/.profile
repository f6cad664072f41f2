# deuxvie live image: the agent runs once, on tty1 only (other consoles get a plain shell).
if [ "$(tty)" = /dev/tty1 ] && [ -z "${DEUXVIE_SESSION:-}" ]; then
  export DEUXVIE_SESSION=1
  /usr/local/sbin/deuxvie-session
fi
