//! The load generator's report: one [`Figure`] per P-figure, each with the floor measured in the
//! same run, printed as a Markdown table and written as JSON.

use serde::Serialize;

/// What the machine-limited floor of a figure is, and how the figure compares with it.
#[derive(Debug, Clone, Serialize)]
pub struct Floor {
    /// What was measured as the floor.
    pub name: String,
    /// Its value, in the figure's unit.
    pub value: f64,
    /// Figure ÷ floor.
    pub ratio: f64,
}

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// `P1` … `P7`, with a suffix for a figure measured at several sizes (`P6@1e6`).
    pub id: String,
    /// What is measured.
    pub name: String,
    /// The headline value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Further measured values (percentiles, sizes), human-readable.
    pub detail: String,
    /// The floor from the same run, when the figure has one.
    pub floor: Option<Floor>,
    /// The target, as text.
    pub target: String,
    /// Whether the target is met (`None` when the figure has no target of its own).
    pub met: Option<bool>,
    /// How it was measured, and caveats.
    pub note: String,
}

impl Figure {
    /// A figure without a floor; add one with [`Figure::with_floor`].
    pub fn new(id: &str, name: &str, value: f64, unit: &str) -> Self {
        Figure {
            id: id.into(),
            name: name.into(),
            value,
            unit: unit.into(),
            detail: String::new(),
            floor: None,
            target: String::new(),
            met: None,
            note: String::new(),
        }
    }

    /// Sets the floor (its ratio is computed).
    pub fn with_floor(mut self, name: &str, value: f64) -> Self {
        let ratio = if value > 0.0 { self.value / value } else { 0.0 };
        self.floor = Some(Floor {
            name: name.into(),
            value,
            ratio,
        });
        self
    }

    /// Sets the target text and whether it is met.
    pub fn with_target(mut self, target: &str, met: bool) -> Self {
        self.target = target.into();
        self.met = Some(met);
        self
    }

    /// Sets the detail text.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Sets the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// The floor's ratio, if any.
    pub fn ratio(&self) -> Option<f64> {
        self.floor.as_ref().map(|f| f.ratio)
    }
}

/// Where the run happened.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPU model (`/proc/cpuinfo`).
    pub cpu: String,
    /// Cores the process may use.
    pub cores: usize,
    /// Total memory in GiB (`/proc/meminfo`).
    pub memory_gib: f64,
    /// Kernel release.
    pub kernel: String,
    /// File system and device holding the data directory.
    pub data_fs: String,
    /// `/proc/loadavg` when the run started: other work on the machine skews every figure.
    pub load_at_start: String,
}

impl Machine {
    /// Describes this machine, for a data directory at `data_dir`.
    pub fn describe(data_dir: &std::path::Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or_else(|| "unknown".into(), |s| s.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".into(), |s| s.trim().to_owned());
        let data_fs = std::process::Command::new("findmnt")
            .args(["-no", "FSTYPE,SOURCE", "--target"])
            .arg(data_dir)
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map_or_else(|| "unknown".into(), |s| s.trim().to_owned());
        let load_at_start = std::fs::read_to_string("/proc/loadavg")
            .map_or_else(|_| "unknown".into(), |s| s.trim().to_owned());
        Machine {
            load_at_start,
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: (memory_kib / (1024.0 * 1024.0) * 10.0).round() / 10.0,
            kernel,
            data_fs,
        }
    }
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The command that produced it.
    pub command: String,
    /// Sizes used.
    pub scale: crate::Scale,
    /// The cryptographic suite of the logs P1–P5 and P7 measure (`ed25519-sha256`, `sm2-sm3`).
    pub suite: ledger_format::suite::Suite,
    /// The machine.
    pub machine: Machine,
    /// UTC start of the run (RFC 3339, from the system clock).
    pub started_unix: u64,
    /// Wall time of the whole run, in seconds.
    pub wall_seconds: f64,
    /// The figures, in P order.
    pub figures: Vec<Figure>,
}

/// Formats a number for the table: thousands separators for large values, 3 significant figures
/// for small ones, `—` for NaN (a figure that could not be measured).
pub fn human(value: f64) -> String {
    if value.is_nan() {
        "—".into()
    } else if value.abs() >= 1000.0 {
        let mut digits = format!("{:.0}", value.abs());
        let mut out = String::new();
        while digits.len() > 3 {
            let tail = digits.split_off(digits.len() - 3);
            out = format!(",{tail}{out}");
        }
        format!("{}{digits}{out}", if value < 0.0 { "-" } else { "" })
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

impl Report {
    /// The figures as a Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| P | what | measured | floor (same run) | ratio | target | met |\n\
             |---|---|---|---|---|---|---|\n",
        );
        for f in &self.figures {
            let measured = if f.detail.is_empty() {
                format!("{} {}", human(f.value), f.unit)
            } else {
                format!("{} {} ({})", human(f.value), f.unit, f.detail)
            };
            let (floor, ratio) = match &f.floor {
                Some(floor) => (
                    format!("{}: {} {}", floor.name, human(floor.value), f.unit),
                    format!("{:.2}×", floor.ratio),
                ),
                None => ("—".into(), "—".into()),
            };
            let met = match f.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                f.id, f.name, measured, floor, ratio, f.target, met
            ));
        }
        out
    }

    /// The notes of every figure, one bullet each.
    pub fn notes(&self) -> String {
        self.figures
            .iter()
            .filter(|f| !f.note.is_empty())
            .map(|f| format!("- {}: {}\n", f.id, f.note))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(human(1_234_567.4), "1,234,567");
        assert_eq!(human(999.6), "1000");
        assert_eq!(human(12.345), "12.3");
        assert_eq!(human(0.01234), "0.012");
        assert_eq!(human(f64::NAN), "—");
    }

    #[test]
    fn ratio_is_figure_over_floor() {
        let f = Figure::new("P1", "x", 50.0, "/s").with_floor("raw", 200.0);
        assert_eq!(f.ratio(), Some(0.25));
    }
}
