//! The launcher of the MPI library this binary links, and how to start a job with it here.
//!
//! With Open MPI and MPICH both installed, the `mpirun` on `PATH` may belong to the other one;
//! it would start `N` processes that each make a world of one rank. So the library's own
//! version string (`MPI_Get_library_version`, which MPI allows before initialisation) names
//! the implementation, and a launcher is taken only when its `--version` names the same one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::Transport;

/// The variable that names the launcher to use, by name on `PATH` or by path.
pub(super) const LAUNCHER_VARIABLE: &str = "SPMD_MPIRUN";

/// An MPI implementation, as a version string names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    OpenMpi,
    Mpich,
    /// Neither: any `mpiexec` is tried, and the ranks' check of the world size catches a
    /// launcher of another MPI.
    Other,
}

impl Flavour {
    /// The implementation a library version string or a launcher's `--version` output names.
    pub(super) fn of(text: &str) -> Flavour {
        if text.contains("Open MPI") || text.contains("OpenRTE") || text.contains("PRRTE") {
            Flavour::OpenMpi
        } else if text.contains("HYDRA") || text.to_ascii_uppercase().contains("MPICH") {
            Flavour::Mpich
        } else {
            Flavour::Other
        }
    }

    fn name(self) -> &'static str {
        match self {
            Flavour::OpenMpi => "Open MPI",
            Flavour::Mpich => "MPICH",
            Flavour::Other => "an MPI library that is neither Open MPI nor MPICH",
        }
    }

    /// The launcher names to look for on `PATH`, most specific first.
    fn candidates(self) -> &'static [&'static str] {
        match self {
            Flavour::OpenMpi => &[
                "mpirun.openmpi",
                "mpiexec.openmpi",
                "mpirun",
                "mpiexec",
                "orterun",
                "prterun",
            ],
            Flavour::Mpich => &[
                "mpiexec.mpich",
                "mpirun.mpich",
                "mpiexec.hydra",
                "mpiexec",
                "mpirun",
            ],
            Flavour::Other => &["mpiexec", "mpirun"],
        }
    }

    /// What to install when no launcher is found (Debian and Ubuntu package names).
    fn package(self) -> &'static str {
        match self {
            Flavour::OpenMpi => "`apt-get install openmpi-bin`",
            Flavour::Mpich => "`apt-get install mpich`",
            Flavour::Other => "the launcher of your MPI library",
        }
    }
}

/// The first version number (`4.1.4`) in `text`.
pub(super) fn version_in(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        // A number starts after a separator or a `v` (`v4.1.4`), never inside a word.
        let after_separator =
            start == 0 || !bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'v';
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .count();
        if end == start {
            start += 1;
            continue;
        }
        let number = text[start..end].trim_matches('.');
        if after_separator && bytes[start].is_ascii_digit() && number.contains('.') {
            return Some(number);
        }
        start = end;
    }
    None
}

/// The launcher found for this binary.
#[derive(Debug)]
pub(super) struct Launcher {
    program: PathBuf,
    flavour: Flavour,
    /// The first line of its `--version`.
    version: String,
    is_root: bool,
    cores: usize,
}

impl Launcher {
    /// The launcher, found once per process.
    pub(super) fn get() -> Result<&'static Launcher, String> {
        static FOUND: OnceLock<Result<Launcher, String>> = OnceLock::new();
        FOUND
            .get_or_init(Launcher::find)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn find() -> Result<Launcher, String> {
        let library = mpi::environment::library_version().unwrap_or_default();
        // Some libraries count the string's terminating NUL in its length.
        let library = library.trim_end_matches(['\0', '\n', ' ']);
        let linked = Flavour::of(library);
        let linked_version = version_in(library);
        let library_line = library.lines().next().unwrap_or("").trim().to_owned();
        // The launcher's own flavour decides its flags: it is the linked one, or the linked one
        // is unknown.
        let make = |program: PathBuf, text: &str| Launcher {
            program,
            flavour: Flavour::of(text),
            version: first_line(text),
            // SAFETY: `geteuid` has no preconditions and cannot fail.
            is_root: unsafe { libc::geteuid() } == 0,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
        };
        if let Some(named) = std::env::var_os(LAUNCHER_VARIABLE) {
            let program = on_path(Path::new(&named)).ok_or_else(|| {
                format!(
                    "{LAUNCHER_VARIABLE}={} names no program that can be run (not found, or \
                     not executable); set it to the launcher of {} (`{library_line}`), or unset \
                     it to let spmd find one",
                    named.display(),
                    linked.name()
                )
            })?;
            let text = version_text(&program).map_err(|error| {
                format!(
                    "{LAUNCHER_VARIABLE}={}: `{} --version` failed: {error}",
                    named.display(),
                    program.display()
                )
            })?;
            let flavour = Flavour::of(&text);
            if linked != Flavour::Other && flavour != linked {
                return Err(format!(
                    "{LAUNCHER_VARIABLE}={} is a launcher of {}, but this test binary links {} \
                     (`{library_line}`): its processes would not form one world; set \
                     {LAUNCHER_VARIABLE} to the launcher of {}, or unset it",
                    named.display(),
                    flavour.name(),
                    linked.name(),
                    linked.name()
                ));
            }
            return Ok(make(program, &text));
        }
        let mut tried = Vec::new();
        let mut same_flavour = None;
        for name in linked.candidates() {
            let Some(program) = on_path(Path::new(name)) else {
                tried.push(format!("`{name}` (not on PATH)"));
                continue;
            };
            let Ok(text) = version_text(&program) else {
                tried.push(format!("{} (`--version` failed)", program.display()));
                continue;
            };
            let flavour = Flavour::of(&text);
            if linked != Flavour::Other && flavour != linked {
                tried.push(format!(
                    "{} (a launcher of {})",
                    program.display(),
                    flavour.name()
                ));
                continue;
            }
            // Two installations of one implementation: the one of the same version first.
            if linked_version.is_none() || version_in(&text) == linked_version {
                return Ok(make(program, &text));
            }
            tried.push(format!(
                "{} (version {}, the library is {})",
                program.display(),
                version_in(&text).unwrap_or("unknown"),
                linked_version.unwrap_or("unknown")
            ));
            same_flavour.get_or_insert((program, text));
        }
        if let Some((program, text)) = same_flavour {
            return Ok(make(program, &text));
        }
        Err(format!(
            "no MPI launcher found for {} (this test binary links `{library_line}`); tried: {}. \
             Install it ({} on Debian and Ubuntu) or set {LAUNCHER_VARIABLE} to its path",
            linked.name(),
            tried.join(", "),
            linked.package()
        ))
    }

    /// The launcher, its implementation and version, for reports.
    pub(super) fn describe(&self) -> String {
        format!("{} ({})", self.program.display(), self.version)
    }

    /// Whether jobs over `transport` may hang in `MPI_Finalize` after every rank is done:
    /// MPICH 4.0 on UCX closes its TCP connections before its final barrier, so a rank that
    /// closed first starves a peer still closing (often on 3 or more ranks of one host; 4.1
    /// puts the barrier first). The watchdog then reports every rank in `MPI_Finalize`.
    pub(super) fn finalize_may_hang(&self, transport: Transport) -> bool {
        self.flavour == Flavour::Mpich && transport == Transport::Tcp
    }

    /// `launcher -n ranks` with what this machine needs; the caller adds the program.
    pub(super) fn command(&self, ranks: usize, transport: Transport) -> Command {
        let mut command = Command::new(&self.program);
        command.arg("-n").arg(ranks.to_string());
        if self.flavour == Flavour::OpenMpi {
            if ranks > self.cores {
                command.arg("--oversubscribe");
            }
            // Several jobs may share the cores (see `slots`): Open MPI's binding of each job's
            // ranks to the first cores would pile them all there.
            command.args(["--bind-to", "none"]);
            if self.is_root {
                for name in ["OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] {
                    if std::env::var_os(name).is_none() {
                        command.env(name, "1");
                    }
                }
            }
        }
        if transport == Transport::Tcp {
            for (name, value) in tcp_settings(self.flavour) {
                command.env(name, value);
            }
        }
        command
    }
}

/// The variables that send every message over TCP on the loopback interface, shared memory off.
fn tcp_settings(flavour: Flavour) -> &'static [(&'static str, &'static str)] {
    match flavour {
        Flavour::OpenMpi => &[
            ("OMPI_MCA_pml", "ob1"),
            ("OMPI_MCA_btl", "tcp,self"),
            ("OMPI_MCA_btl_tcp_if_include", "lo"),
        ],
        // MPICH: no shortcut between local ranks, and the TCP transport of UCX or libfabric.
        Flavour::Mpich | Flavour::Other => &[
            ("MPIR_CVAR_NOLOCAL", "1"),
            ("MPIR_CVAR_CH3_NOLOCAL", "1"),
            ("UCX_TLS", "tcp,self"),
            ("UCX_NET_DEVICES", "lo"),
            ("FI_PROVIDER", "tcp"),
            ("FI_TCP_IFACE", "lo"),
        ],
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("unknown version")
        .to_owned()
}

/// Both output streams of `program --version`.
fn version_text(program: &Path) -> Result<String, String> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| error.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{}: {}", output.status, text.trim()))
    }
}

/// `program` itself when it is a path, else the first executable of that name in `PATH`.
fn on_path(program: &Path) -> Option<PathBuf> {
    let executable = |path: &Path| {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    if program.components().count() > 1 {
        return executable(program).then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_and_launcher_strings_name_their_implementation() {
        let open_mpi_library = "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo \
                                rev: v4.1.4, May 26, 2022";
        let open_mpi_launcher = "mpirun (Open MPI) 4.1.4\n\nReport bugs to \
                                 http://www.open-mpi.org/community/help/\n";
        let mpich_library = "MPICH Version:      4.0.2\nMPICH Release date: Thu Apr  7 12:34:45 \
                             CDT 2022\nMPICH ABI:          14:2:2\n";
        let hydra = "HYDRA build details:\n    Version:                                 4.0.2\n";
        assert_eq!(Flavour::of(open_mpi_library), Flavour::OpenMpi);
        assert_eq!(Flavour::of(open_mpi_launcher), Flavour::OpenMpi);
        assert_eq!(Flavour::of(mpich_library), Flavour::Mpich);
        assert_eq!(Flavour::of(hydra), Flavour::Mpich);
        assert_eq!(Flavour::of("srun 23.02.6"), Flavour::Other);
        assert_eq!(version_in(open_mpi_library), Some("4.1.4"));
        assert_eq!(version_in(open_mpi_launcher), Some("4.1.4"));
        assert_eq!(version_in(mpich_library), Some("4.0.2"));
        assert_eq!(version_in(hydra), Some("4.0.2"));
        assert_eq!(version_in("no number, 4 alone, x2.0"), None);
    }

    fn launcher(flavour: Flavour, cores: usize, is_root: bool) -> Launcher {
        Launcher {
            program: PathBuf::from("/usr/bin/mpirun"),
            flavour,
            version: String::new(),
            is_root,
            cores,
        }
    }

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    fn env_names(command: &Command) -> Vec<String> {
        command
            .get_envs()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn open_mpi_oversubscribes_only_beyond_the_cores_and_never_binds() {
        let few = launcher(Flavour::OpenMpi, 2, false).command(4, Transport::Shm);
        assert_eq!(
            args(&few),
            ["-n", "4", "--oversubscribe", "--bind-to", "none"]
        );
        let many = launcher(Flavour::OpenMpi, 8, false).command(4, Transport::Shm);
        assert_eq!(args(&many), ["-n", "4", "--bind-to", "none"]);
        let mpich = launcher(Flavour::Mpich, 2, true).command(4, Transport::Shm);
        assert_eq!(args(&mpich), ["-n", "4"]);
    }

    #[test]
    fn root_variables_for_open_mpi_as_root_only() {
        let set = |l: Launcher| env_names(&l.command(2, Transport::Shm));
        let as_root = set(launcher(Flavour::OpenMpi, 8, true));
        if std::env::var_os("OMPI_ALLOW_RUN_AS_ROOT").is_none() {
            assert!(as_root.contains(&"OMPI_ALLOW_RUN_AS_ROOT".to_owned()));
        }
        assert!(set(launcher(Flavour::OpenMpi, 8, false)).is_empty());
        assert!(set(launcher(Flavour::Mpich, 8, true)).is_empty());
    }

    #[test]
    fn tcp_turns_shared_memory_off() {
        let open_mpi = launcher(Flavour::OpenMpi, 8, false).command(2, Transport::Tcp);
        assert!(env_names(&open_mpi).contains(&"OMPI_MCA_btl".to_owned()));
        let mpich = launcher(Flavour::Mpich, 8, false).command(2, Transport::Tcp);
        assert!(env_names(&mpich).contains(&"MPIR_CVAR_NOLOCAL".to_owned()));
    }
}
