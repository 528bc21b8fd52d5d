"""The WeChat Official Account (公众号) channel: ``bot.channels.wechat.WeChatInput``.

Modules by concern: ``security`` (signatures, safe-mode AES), ``xmlio`` (strict parsing,
reply rendering), ``inbound`` (WeChat message → assistant text), ``texts`` (menu map and
channel texts from ``bot/data/catalog/wechat_menu.yml``), ``render`` (numbered choices,
splitting), ``dedup`` (retried ``MsgId``), ``api`` (access token, customer-service
messages), ``output`` and ``channel`` (the Rasa output and input channels).
"""

from bot.channels.wechat.channel import WeChatCredentialsError, WeChatInput
from bot.channels.wechat.output import WeChatOutput

__all__ = ["WeChatCredentialsError", "WeChatInput", "WeChatOutput"]
