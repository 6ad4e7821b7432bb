-- API tokens expire: web sessions after hours, other tokens after days (NULL: never).
ALTER TABLE api_tokens ADD COLUMN expires TEXT;
