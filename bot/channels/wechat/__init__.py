"""The WeChat Official Account (公众号) channel: ``bot.channels.wechat.WeChatInput``.

Modules by concern: ``security`` (signatures, safe-mode AES), ``xmlio`` (strict parsing,
reply rendering), ``inbound`` (WeChat message → assistant text), ``texts`` (menu map and
triggers from ``bot/data/catalog/wechat_menu.yml``, replies from ``domain.yml``), ``render``
(numbered choices, splitting), ``shared_state`` (retried ``MsgId``s, choices and the token in
Redis for several servers), ``api`` (access token, customer-service messages, media
downloads), ``output`` and ``channel`` (the Rasa output and input channels).
"""

from bot.channels.wechat.channel import WeChatCredentialsError, WeChatInput
from bot.channels.wechat.output import WeChatOutput

__all__ = ["WeChatCredentialsError", "WeChatInput", "WeChatOutput"]
