"""The media channel (抗疫互助媒体救助通道): newspapers' editors pass on leads and report back."""
