"""Imported by the annex's forkserver as it starts (it is the first module of its preload list).

Killed outright (SIGKILL, the out-of-memory killer), a command runs no cleanup. Its forkserver
would then wait for requests forever, and the workers it forked would wait for work: each holds
the other's pipes open. The forkserver ends with the command that started it, and each worker
with the forkserver (``interrupts.die_with_parent`` in the pool's initializer).
"""

from campaign import interrupts

interrupts.die_with_parent()
