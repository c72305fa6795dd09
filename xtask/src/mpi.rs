//! Which MPI `mpirun` belongs to, and the environment and flags it needs on this machine.

use std::path::Path;

use crate::error::Error;
use crate::process::Cmd;

/// How many ranks the demo runs, and the most the multi-rank tests start.
pub const RANKS: usize = 4;

/// The MPI implementation behind `mpirun`, as its `--version` output tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Open MPI: refuses to run as root unless told, and refuses more ranks than cores
    /// unless given `--oversubscribe`.
    OpenMpi,
    /// MPICH and its Hydra-based derivatives: neither restriction applies.
    Mpich,
    /// Something else; started with no extra flags.
    Unknown,
}

impl Flavour {
    /// Reads the flavour from the output of `mpirun --version`.
    pub fn from_version_output(output: &str) -> Self {
        if output.contains("Open MPI") || output.contains("OpenRTE") {
            Self::OpenMpi
        } else if output.contains("HYDRA") || output.to_ascii_uppercase().contains("MPICH") {
            Self::Mpich
        } else {
            Self::Unknown
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::OpenMpi => "Open MPI",
            Self::Mpich => "MPICH",
            Self::Unknown => "an unrecognised MPI",
        }
    }
}

/// What is known about the local MPI and machine that decides how to start ranks.
#[derive(Debug, Clone)]
pub struct Launcher {
    flavour: Flavour,
    /// The first line of `mpirun --version`, shown to the user.
    version: String,
    cores: usize,
    is_root: bool,
}

impl Launcher {
    /// Asks `mpirun` for its version and the system for the core count and the user id.
    pub fn detect() -> Result<Self, Error> {
        let output = Cmd::new("mpirun").arg("--version").output()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            return Err(Error::new(format!(
                "`mpirun --version` failed ({}): {}; check the MPI installation \
                 (Debian/Ubuntu: `apt-get install --reinstall openmpi-bin`)",
                output.status,
                text.trim()
            )));
        }
        let version = text
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("unknown version")
            .trim()
            .to_owned();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let launcher = Self {
            flavour: Flavour::from_version_output(&text),
            version,
            cores,
            is_root: is_root(),
        };
        eprintln!("xtask: {}", launcher.describe());
        Ok(launcher)
    }

    /// One line for the user: the MPI, the cores and what that implies.
    fn describe(&self) -> String {
        let mut line = format!(
            "mpirun is {} ({}); {} core(s)",
            self.flavour.name(),
            self.version,
            self.cores
        );
        if self.needs_oversubscribe() {
            line.push_str(&format!(
                ", fewer than {RANKS}: ranks will oversubscribe them"
            ));
        }
        if self.is_root {
            line.push_str("; running as root");
        }
        line
    }

    /// Whether `mpirun` is Open MPI's.
    pub fn is_open_mpi(&self) -> bool {
        self.flavour == Flavour::OpenMpi
    }

    /// Whether starting [`RANKS`] ranks needs more slots than cores.
    fn needs_oversubscribe(&self) -> bool {
        self.cores < RANKS
    }

    /// The variables Open MPI needs to accept being started as root.
    fn root_env(&self) -> Vec<(String, String)> {
        if self.is_root && self.flavour == Flavour::OpenMpi {
            vec![
                ("OMPI_ALLOW_RUN_AS_ROOT".into(), "1".into()),
                ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM".into(), "1".into()),
            ]
        } else {
            Vec::new()
        }
    }

    /// `mpirun -n ranks [--oversubscribe] program`, with the root variables when needed.
    pub fn mpirun(&self, ranks: usize, program: &Path) -> Cmd {
        let mut cmd = Cmd::new("mpirun")
            .envs(&unset_only(self.root_env()))
            .args(["-n".to_owned(), ranks.to_string()]);
        if self.flavour == Flavour::OpenMpi && self.cores < ranks {
            cmd = cmd.arg("--oversubscribe");
        }
        cmd.arg(program.display().to_string())
    }

    /// The environment of the test run: the root variables, and
    /// `SPMD_MPIRUN_OVERSUBSCRIBE=1` on few cores, which the multi-rank test harness reads.
    /// Variables the user has already set are left as they are.
    pub fn test_env(&self) -> Vec<(String, String)> {
        let mut env = self.root_env();
        if self.needs_oversubscribe() {
            env.push(("SPMD_MPIRUN_OVERSUBSCRIBE".into(), "1".into()));
        }
        unset_only(env)
    }
}

/// Keeps the variables of `env` that the user's environment does not already set.
fn unset_only(env: Vec<(String, String)>) -> Vec<(String, String)> {
    env.into_iter()
        .filter(|(key, _)| std::env::var_os(key).is_none())
        .collect()
}

/// Whether this process runs as root, as `id -u` says.
pub fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_open_mpi() {
        let v4 =
            "mpirun (Open MPI) 4.1.4\n\nReport bugs to http://www.open-mpi.org/community/help/\n";
        let v3 = "mpirun (Open MPI) 3.1.3\n";
        let orte = "orterun (OpenRTE) 2.1.1\n";
        for output in [v4, v3, orte] {
            assert_eq!(Flavour::from_version_output(output), Flavour::OpenMpi);
        }
    }

    #[test]
    fn recognises_mpich() {
        let hydra = "HYDRA build details:\n    Version:                                 4.0.2\n";
        let mpich = "mpiexec (MPICH) 4.1\n";
        for output in [hydra, mpich] {
            assert_eq!(Flavour::from_version_output(output), Flavour::Mpich);
        }
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(
            Flavour::from_version_output("srun 23.02\n"),
            Flavour::Unknown
        );
    }

    fn launcher(flavour: Flavour, cores: usize, is_root: bool) -> Launcher {
        Launcher {
            flavour,
            version: String::new(),
            cores,
            is_root,
        }
    }

    #[test]
    fn open_mpi_oversubscribes_few_cores_only() {
        let program = Path::new("/t/global_sum");
        let few = launcher(Flavour::OpenMpi, 2, false).mpirun(4, program);
        assert!(
            few.to_string()
                .ends_with("mpirun -n 4 --oversubscribe /t/global_sum")
        );
        let many = launcher(Flavour::OpenMpi, 8, false).mpirun(4, program);
        assert!(many.to_string().ends_with("mpirun -n 4 /t/global_sum"));
        let mpich = launcher(Flavour::Mpich, 2, true).mpirun(4, program);
        assert_eq!(mpich.to_string(), "mpirun -n 4 /t/global_sum");
    }

    #[test]
    fn root_variables_only_for_open_mpi_as_root() {
        let names = |l: &Launcher| -> Vec<String> {
            l.root_env().into_iter().map(|(key, _)| key).collect()
        };
        assert_eq!(
            names(&launcher(Flavour::OpenMpi, 8, true)),
            ["OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"]
        );
        assert!(names(&launcher(Flavour::OpenMpi, 8, false)).is_empty());
        assert!(names(&launcher(Flavour::Mpich, 8, true)).is_empty());
    }
}
