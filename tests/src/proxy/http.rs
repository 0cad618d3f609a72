//! Just enough HTTP/1.1 for a proxy between the AWS SDK and the emulator: requests with a
//! Content-Length (or chunked) body, responses with Content-Length, chunked or read to EOF.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// One request or response: the first line, the headers as sent, the decoded body.
#[derive(Debug, Clone, Default)]
pub struct Message {
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The head and body as bytes, with a Content-Length that says `declared_len` (the body's
    /// own length unless a fault wants to lie) and without hop-by-hop framing headers.
    pub fn to_bytes(&self, connection: &str, declared_len: usize) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start);
        for (k, v) in &self.headers {
            let framing = ["content-length", "transfer-encoding", "connection", "keep-alive"];
            if !framing.iter().any(|f| k.eq_ignore_ascii_case(f)) {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        out.push_str(&format!("content-length: {declared_len}\r\nconnection: {connection}\r\n\r\n"));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads one message. `Ok(None)` at a clean end of stream before any byte. `to_eof`: a body
/// without framing runs to the end of the stream (responses); requests without a length have
/// no body. `head_only`: the answer to a HEAD request, which has no body whatever its headers say.
pub async fn read_message<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    to_eof: bool,
    head_only: bool,
) -> std::io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start).await? == 0 {
        return Ok(None);
    }
    let mut message = Message { start: start.trim_end().to_owned(), ..Default::default() };
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "headers cut short"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            message.headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    if head_only {
        return Ok(Some(message));
    }
    let chunked = message.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked"));
    if chunked {
        message.body = read_chunked(reader).await?;
    } else if let Some(len) = message.header("content-length") {
        let len: usize = len.parse().map_err(|_| invalid("bad content-length"))?;
        message.body = vec![0; len];
        reader.read_exact(&mut message.body).await?;
    } else if to_eof {
        reader.read_to_end(&mut message.body).await?;
    }
    Ok(Some(message))
}

async fn read_chunked<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).await?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or_default(), 16)
            .map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            let mut trailer = String::new();
            while reader.read_line(&mut trailer).await? > 2 {
                trailer.clear();
            }
            return Ok(body);
        }
        let at = body.len();
        body.resize(at + size, 0);
        reader.read_exact(&mut body[at..]).await?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).await?;
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunked_and_sized_bodies_are_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let m = read_message(&mut &raw[..], true, false).await.unwrap().unwrap();
        assert_eq!((m.start.as_str(), m.body.as_slice()), ("HTTP/1.1 200 OK", &b"abcde"[..]));
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyNEXT";
        let m = read_message(&mut &raw[..], false, false).await.unwrap().unwrap();
        assert_eq!(m.body, b"body");
        let bytes = m.to_bytes("close", 4);
        assert!(String::from_utf8_lossy(&bytes).ends_with("content-length: 4\r\nconnection: close\r\n\r\nbody"));
    }
}
