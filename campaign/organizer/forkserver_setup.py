"""Imported by the annex's forkserver as it starts (it is the first module of its preload list).

Killed outright (SIGKILL, the out-of-memory killer), a command runs no cleanup. Its forkserver
would then wait for requests forever, and the workers it forked would wait for work: each holds
the other's pipes open. The forkserver ends with the command that started it, and each worker
with the forkserver (``annex._leave_interrupts_to_parent``, the pool's initializer).
"""

import os

from campaign import interrupts

# The workers' parent. A worker compares its parent with this, not with the parent it finds when
# its initializer runs: the forkserver may have ended in between, and the worker been handed to
# process 1 already. (Forked from here, workers inherit the value.)
FORKSERVER = os.getpid()

# The command may have been killed while this process imported the project (half a second):
# it names itself, lest this process end with the one it has been handed to.
interrupts.die_with_parent(interrupts.parent_named_in_environment())
