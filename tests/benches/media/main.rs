//! Benchmark (not a test) of the image conversion an upload goes through
//! (`igconnect::domain::media::content::convert_image`): a 12-megapixel (4000x3000) PNG with
//! photo-like content (gradients and noise, so it compresses as a photo does, ~24 MB) made
//! into the 1440x1080 JPEG of a feed post (feed rules, fit `crop`).
//!
//! Each run converts once in a fresh child process (this binary run again with `--child`),
//! so its peak RSS is that of one conversion, as on a Lambda that converts one upload at a
//! time: the child reads the PNG file, converts it, and exits. The parent reaps it with
//! `wait4`, whose rusage gives the child's CPU time (user + sys, the whole process: reading
//! the file and starting up included) and its peak RSS (`ru_maxrss`). The child also reports
//! the CPU time of `convert_image` alone (`getrusage` around the call).
//!
//! Prints the median and p90 over the runs against the targets: under 400 ms of CPU and
//! under 200 MB of peak RSS. Exits non-zero when a figure misses its target.
//!
//! Run: `scripts/media-bench`, or `cargo bench -p igconnect-blackbox --bench media`
//! (`MEDIA_BENCH_RUNS=n` for more runs than 9).

use igconnect::domain::media::content::{
    Fit, PostType, convert_image, image_rules_for, sample_png,
};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;
const RUNS: usize = 9;
const CPU_TARGET_MS: f64 = 400.0;
const RSS_TARGET_MB: f64 = 200.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().position(|a| a == "--child") {
        Some(i) => child(args.get(i + 1).map(String::as_str)),
        None => parent(),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("\nmedia bench: some figures miss their targets");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("media bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One conversion: prints `convert_cpu_us jpeg_bytes width height`.
fn child(path: Option<&str>) -> Result<bool, String> {
    let path = path.ok_or("--child needs the PNG's path")?;
    let png = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let rules = image_rules_for(PostType::Feed, Fit::Crop);
    let before = self_cpu()?;
    let converted = convert_image(&png, &rules).map_err(|e| format!("conversion: {e}"))?;
    let spent = self_cpu()?.saturating_sub(before);
    println!(
        "{} {} {} {}",
        spent.as_micros(),
        converted.jpeg.len(),
        converted.width,
        converted.height
    );
    Ok(true)
}

/// What one child run used.
struct Run {
    /// The whole child process (wait4).
    cpu: Duration,
    /// `convert_image` alone (the child's own getrusage).
    convert: Duration,
    peak_rss_kb: u64,
    jpeg_bytes: usize,
    size: (u32, u32),
}

fn parent() -> Result<bool, String> {
    let runs: usize = std::env::var("MEDIA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RUNS)
        .max(7);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("photo.png");
    let png = sample_png(WIDTH, HEIGHT, false);
    std::fs::write(&path, &png).map_err(|e| e.to_string())?;
    println!(
        "media bench: {WIDTH}x{HEIGHT} PNG ({:.1} MB) -> feed JPEG (fit crop), {runs} runs, \
         one fresh process each",
        png.len() as f64 / 1e6
    );
    drop(png);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for i in 0..runs {
        let run = one_run(&exe, &path)?;
        println!(
            "  run {:>2}: cpu {:>4.0} ms (convert_image {:>4.0} ms), peak RSS {:>5.1} MB, \
             {}x{} JPEG of {} KB",
            i + 1,
            ms(run.cpu),
            ms(run.convert),
            run.peak_rss_kb as f64 / 1024.0,
            run.size.0,
            run.size.1,
            run.jpeg_bytes / 1024
        );
        results.push(run);
    }
    let cpu = stats(results.iter().map(|r| ms(r.cpu)).collect());
    let convert = stats(results.iter().map(|r| ms(r.convert)).collect());
    let rss = stats(
        results
            .iter()
            .map(|r| r.peak_rss_kb as f64 / 1024.0)
            .collect(),
    );
    let cpu_ok = cpu.1 < CPU_TARGET_MS;
    let rss_ok = rss.1 < RSS_TARGET_MB;
    println!();
    println!(
        "  CPU (process)   median {:>5.0} ms  p90 {:>5.0} ms   target < {CPU_TARGET_MS:.0} ms   {}",
        cpu.0,
        cpu.1,
        pass(cpu_ok)
    );
    println!(
        "  convert_image   median {:>5.0} ms  p90 {:>5.0} ms",
        convert.0, convert.1
    );
    println!(
        "  peak RSS        median {:>5.1} MB  p90 {:>5.1} MB   target < {RSS_TARGET_MB:.0} MB   {}",
        rss.0,
        rss.1,
        pass(rss_ok)
    );
    Ok(cpu_ok && rss_ok)
}

fn one_run(exe: &std::path::Path, png: &std::path::Path) -> Result<Run, String> {
    let child = Command::new(exe)
        .arg("--child")
        .arg(png)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let pid = i32::try_from(child.id()).map_err(|e| e.to_string())?;
    // Reap it ourselves to get its own rusage: the output is a single short line, which
    // fits the pipe's buffer, so waiting before reading cannot deadlock.
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 writes only into the two
    // out-parameters it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if reaped != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("the conversion process failed (status {status})"));
    }
    let mut out = String::new();
    let mut stdout = child.stdout.ok_or("no stdout")?;
    std::io::Read::read_to_string(&mut stdout, &mut out).map_err(|e| e.to_string())?;
    let fields: Vec<u64> = out
        .split_whitespace()
        .map(|f| {
            f.parse()
                .map_err(|_| format!("unexpected child output {out:?}"))
        })
        .collect::<Result<_, _>>()?;
    let [convert_us, jpeg_bytes, width, height] = fields[..] else {
        return Err(format!("unexpected child output {out:?}"));
    };
    Ok(Run {
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        convert: Duration::from_micros(convert_us),
        // Linux reports ru_maxrss in KiB.
        peak_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        jpeg_bytes: usize::try_from(jpeg_bytes).unwrap_or(0),
        size: (
            u32::try_from(width).unwrap_or(0),
            u32::try_from(height).unwrap_or(0),
        ),
    })
}

/// This process's user + system CPU time so far.
fn self_cpu() -> Result<Duration, String> {
    // SAFETY: as in `one_run`: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    Ok(timeval(usage.ru_utime) + timeval(usage.ru_stime))
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (median, p90) of `values`, nearest rank.
fn stats(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
        values[rank - 1]
    };
    (at(0.5), at(0.9))
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}
