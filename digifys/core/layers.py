"""The Redis channel layer, with a receive that stops when its socket is gone (issue 12 §4.14).

When a browser disconnects, channels cancels the consumer's pending `receive()` on the channel
layer. With channels_redis 4.3 on redis-py 8 that cancellation is sometimes lost inside the
blocking pop (BZPOPMIN, 5 s): the pop returns empty as if nothing had happened, the task stays
"cancelling", and channels_redis starts the next pop. The consumer never finishes, so daphne
kills it after `application_close_timeout` (10 s) and logs a warning with the stuck Redis
receive for every such socket. Seen with the demo (daphne, Redis) and Chromium killed with live
pages and a video room open: most runs left one or two sockets stuck; with this layer none.

Here a cancellation that is pending before or after a pop is honoured. Nothing is lost: an
unacknowledged message stays in channels_redis' backup queue.
"""

import asyncio

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer


class RedisChannelLayer(_RedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        """One blocking pop of CHANNEL, unless the receiving task is being cancelled."""
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        member = await super()._brpop_with_clean(index, channel, timeout)
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        return member
