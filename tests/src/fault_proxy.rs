//! A fault-injecting TCP proxy on 127.0.0.1 for the sync tests and the soak script. Each
//! connection gets one fault, drawn from a seeded RNG: pass, drop, reset, truncate the answer,
//! delay, or answer 502 itself. It can also shape the link (bandwidth and round-trip time) for
//! benchmarks.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Close without reading or answering.
    Drop,
    /// Read part of the request, then reset the connection.
    Reset,
    /// Forward the request; pass only part of the answer, then close.
    Truncate,
    /// Wait before forwarding.
    Delay,
    /// Read the request and answer 502 without forwarding it.
    BadGateway,
    /// Forward the request, wait until the answer starts (the server has done its work and
    /// committed), then reset the connection: the client never sees the answer.
    ResetAfterAnswer,
}

/// Link emulation: bytes per second each way and a one-way delay per write.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub up_bytes_per_sec: u64,
    pub down_bytes_per_sec: u64,
    pub one_way_delay: Duration,
}

/// The connections under way, by number, so that [`FaultProxy::cut_all`] can cut them.
type Live = Arc<Mutex<Vec<(u64, TcpStream, TcpStream)>>>;

/// Regular 2G as browsers' throttling profiles define it: 50 kbit/s up, 250 kbit/s down,
/// 300 ms round trip (the benchmarks' link).
pub const REGULAR_2G: Link = Link {
    up_bytes_per_sec: 50_000 / 8,
    down_bytes_per_sec: 250_000 / 8,
    one_way_delay: Duration::from_millis(150),
};

pub struct FaultProxy {
    pub addr: SocketAddr,
    live: Live,
    faults_on: Arc<AtomicBool>,
    /// Faults for the next connections, in order, before any drawn one.
    script: Arc<Mutex<std::collections::VecDeque<Fault>>>,
    stop: Arc<AtomicBool>,
    /// Bytes carried client → upstream and upstream → client.
    pub bytes_up: Arc<AtomicU64>,
    pub bytes_down: Arc<AtomicU64>,
    pub connections: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream`. With `faults`, connections draw faults from `seed`; with
    /// `link`, traffic is shaped.
    pub fn start(
        upstream: SocketAddr,
        seed: u64,
        link: Option<Link>,
    ) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let faults_on = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let bytes_up = Arc::new(AtomicU64::new(0));
        let bytes_down = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let script: Arc<Mutex<std::collections::VecDeque<Fault>>> = Arc::default();
        let live: Live = Arc::default();
        let live_here = live.clone();
        let next_scripted = script.clone();
        let (f, s, up, down, conns) = (
            faults_on.clone(),
            stop.clone(),
            bytes_up.clone(),
            bytes_down.clone(),
            connections.clone(),
        );
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        conns.fetch_add(1, Ordering::Relaxed);
                        let faulty = f.load(Ordering::Relaxed);
                        let scripted = next_scripted.lock().ok().and_then(|mut q| q.pop_front());
                        let fault = match scripted {
                            Some(fault) => fault,
                            None if faulty => draw(&rng),
                            None => Fault::Pass,
                        };
                        let (up, down) = (up.clone(), down.clone());
                        let live = live_here.clone();
                        let number = conns.load(Ordering::Relaxed);
                        let cut = rng
                            .lock()
                            .map(|mut r| r.random_range(0..2048))
                            .unwrap_or(100);
                        std::thread::spawn(move || {
                            let _ = handle(
                                client,
                                upstream,
                                fault,
                                faulty,
                                cut,
                                link,
                                (&up, &down),
                                (&live, number),
                            );
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(FaultProxy {
            addr,
            live,
            faults_on,
            script,
            stop,
            bytes_up,
            bytes_down,
            connections,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A proxy that passes everything except the next connections, which meet `faults` in
    /// order.
    pub fn scripted(upstream: SocketAddr, faults: &[Fault]) -> std::io::Result<FaultProxy> {
        let proxy = FaultProxy::start(upstream, 0, None)?;
        proxy.set_faults(false);
        if let Ok(mut q) = proxy.script.lock() {
            q.extend(faults.iter().copied());
        }
        Ok(proxy)
    }

    /// Cuts every connection under way, as a link that drops for a moment: both ends see the
    /// connection reset. New connections pass as before.
    pub fn cut_all(&self) -> usize {
        let Ok(mut live) = self.live.lock() else {
            return 0;
        };
        let n = live.len();
        for (_, client, server) in live.drain(..) {
            let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
        n
    }

    /// Turns fault injection on or off (the link shaping stays).
    pub fn set_faults(&self, on: bool) {
        self.faults_on.store(on, Ordering::Relaxed);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn draw(rng: &Mutex<StdRng>) -> Fault {
    let n = rng.lock().map(|mut r| r.random_range(0..100)).unwrap_or(0);
    match n {
        0..40 => Fault::Pass,
        40..50 => Fault::Drop,
        50..60 => Fault::Reset,
        60..75 => Fault::Truncate,
        75..88 => Fault::Delay,
        _ => Fault::BadGateway,
    }
}

/// Copies `from` → `to`, shaped by the link; stops after `limit` bytes, or when the
/// connection's lifetime ends, when given.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<u64>,
    rate: Option<(u64, Duration)>,
    deadline: Option<Instant>,
    inject_close: bool,
    count: &AtomicU64,
) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0u64;
    // With a shaped link, a delay line delivers each chunk at its arrival time, so chunks in
    // flight overlap as on a real link (bandwidth-delay product) instead of adding up.
    let mut next_free = Instant::now();
    let (line, delivery) = match rate {
        Some(_) => {
            let (tx, rx) = std::sync::mpsc::channel::<(Instant, Vec<u8>)>();
            let mut out = to.try_clone().ok();
            let handle = std::thread::spawn(move || {
                for (at, bytes) in rx {
                    let now = Instant::now();
                    if at > now {
                        std::thread::sleep(at - now);
                    }
                    if out.as_mut().is_none_or(|o| o.write_all(&bytes).is_err()) {
                        break;
                    }
                }
            });
            (Some(tx), Some(handle))
        }
        None => (None, None),
    };
    if deadline.is_some() {
        let _ = from.set_read_timeout(Some(Duration::from_millis(20)));
    }
    let mut first = true;
    loop {
        if deadline.is_some_and(|d| Instant::now() > d) {
            break;
        }
        let want = match limit {
            Some(l) if sent >= l => break,
            Some(l) => buf.len().min((l - sent) as usize),
            None => buf.len(),
        };
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => break,
        };
        let mut chunk = buf[..n].to_vec();
        if first && inject_close {
            // One request per connection: `Connection: close` after the request line makes the
            // server end the connection after its answer, so every request meets a fresh draw.
            if let Some(pos) = chunk.windows(2).position(|w| w == b"\r\n") {
                chunk.splice(pos + 2..pos + 2, b"connection: close\r\n".iter().copied());
            }
        }
        first = false;
        let n = chunk.len();
        if let Some(line) = &line {
            // Serialization: the link carries `bytes_per_sec`; this chunk leaves the sender
            // when the previous one has, plus its own length at that rate.
            let (bytes_per_sec, delay) = rate.unwrap_or((u64::MAX, Duration::ZERO));
            let start = next_free.max(Instant::now());
            next_free = start + Duration::from_secs_f64(n as f64 / bytes_per_sec as f64);
            if line.send((next_free + delay, chunk)).is_err() {
                break;
            }
        } else if to.write_all(&chunk).is_err() {
            break;
        }
        sent += n as u64;
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    drop(line);
    if let Some(d) = delivery {
        let _ = d.join();
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

#[allow(clippy::too_many_arguments)]
fn handle(
    client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    lifetime_limited: bool,
    cut: u64,
    link: Option<Link>,
    (up, down): (&Arc<AtomicU64>, &Arc<AtomicU64>),
    (live, number): (&Live, u64),
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    match fault {
        Fault::Drop => return Ok(()),
        Fault::Reset => {
            let mut c = client;
            let mut buf = [0u8; 512];
            let _ = c.read(&mut buf);
            // Linger 0 turns the close into a TCP reset.
            socket2::SockRef::from(&c).set_linger(Some(Duration::ZERO))?;
            return Ok(());
        }
        Fault::BadGateway => {
            let mut c = client;
            let mut buf = [0u8; 64 * 1024];
            let _ = c.read(&mut buf);
            let body = r#"{"code":"bad_gateway","message":"injected"}"#;
            let _ = write!(
                c,
                "HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            return Ok(());
        }
        Fault::ResetAfterAnswer => return forward_then_reset(client, upstream),
        Fault::Delay => std::thread::sleep(Duration::from_millis(50 + cut % 400)),
        Fault::Pass | Fault::Truncate => {}
    }
    let server = TcpStream::connect(upstream)?;
    if let Ok(mut l) = live.lock() {
        l.push((number, client.try_clone()?, server.try_clone()?));
    }
    if let Some(l) = link {
        // The TCP handshake costs a round trip on a real link.
        std::thread::sleep(l.one_way_delay * 2);
    }
    let limit = (fault == Fault::Truncate).then_some(cut);
    // With faults on, a connection carries one request (see `pump`) and lives at most 30 s, so
    // keep-alive clients meet a fresh draw on every request.
    let deadline = lifetime_limited.then(|| Instant::now() + Duration::from_secs(30));
    let (c2, s2) = (client.try_clone()?, server.try_clone()?);
    let up_rate = link.map(|l| (l.up_bytes_per_sec, l.one_way_delay));
    let down_rate = link.map(|l| (l.down_bytes_per_sec, l.one_way_delay));
    let up_count = up.clone();
    let t = std::thread::spawn(move || pump(c2, s2, None, up_rate, deadline, false, &up_count));
    let client_again = client.try_clone()?;
    pump(
        server,
        client,
        limit,
        down_rate,
        deadline,
        lifetime_limited,
        down,
    );
    // The answer's direction is done: end the whole connection so the other pump stops too.
    let _ = client_again.shutdown(Shutdown::Both);
    let _ = t.join();
    if let Ok(mut l) = live.lock() {
        l.retain(|(n, _, _)| *n != number);
    }
    Ok(())
}

/// Forwards one request (whatever arrives until the client pauses), waits for the first bytes
/// of the answer, then resets the client's connection instead of passing them on.
fn forward_then_reset(mut client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream)?;
    client.set_read_timeout(Some(Duration::from_millis(300)))?;
    let mut buf = [0u8; 64 * 1024];
    loop {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => server.write_all(&buf[..n])?,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let _ = server.read(&mut buf)?;
    // Linger 0 turns the close into a TCP reset.
    socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
    drop(client);
    let _ = server.shutdown(Shutdown::Both);
    Ok(())
}
