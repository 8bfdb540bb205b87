"""python-telegram-bot's HTTP, over aiohttp: its pluggable `BaseRequest`, with one connection
pool that stays cheap however many calls are in flight (httpx's pool looks at every pooled
connection on every call). A proxy in the environment (HTTPS_PROXY) is used, read once."""

from __future__ import annotations

import json
import os
from typing import Final

from aiohttp import ClientError, ClientSession, ClientTimeout, FormData, TCPConnector
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON: Final = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session for all of the bot's calls to Telegram."""

    def __init__(self, connections: int = 100, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 10.0) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: ClientSession | None = None
        # Read once: aiohttp's trust_env would look up the environment and ~/.netrc (in a
        # thread) on every call.
        self._proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = ClientSession(
                connector=TCPConnector(limit=self._connections, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, read: ODVInput[float], write: ODVInput[float],
                 connect: ODVInput[float], pool: ODVInput[float]) -> ClientTimeout:
        def chosen(given: ODVInput[float], default: float | None) -> float | None:
            return default if isinstance(given, DefaultValue) else given

        read_s = chosen(read, self._read_timeout)
        write_s = chosen(write, self._write_timeout)
        connect_s = chosen(connect, self._connect_timeout)
        pool_s = chosen(pool, self._pool_timeout)
        waiting = None if pool_s is None or connect_s is None else pool_s + connect_s
        # aiohttp has no write time-out of its own: a slow write counts against the read's.
        reading = None if read_s is None else read_s + (write_s or 0.0)
        return ClientTimeout(total=None, connect=waiting, sock_connect=connect_s,
                             sock_read=reading)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        files = request_data.multipart_data if request_data else None
        try:
            if files:
                form = FormData()
                for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                response = await self._session.request(method, url, data=form, timeout=timeout,
                                                       proxy=self._proxy)
            elif request_data is not None and request_data.parameters:
                body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                response = await self._session.request(method, url, data=body, headers=JSON,
                                                       timeout=timeout, proxy=self._proxy)
            else:
                response = await self._session.request(method, url, timeout=timeout,
                                                       proxy=self._proxy)
            async with response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except ClientError as error:  # never its text: it may carry the address, with the token
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error
