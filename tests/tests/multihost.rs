//! Several hosts on one machine: each "host" is a network namespace with its own address and a
//! UTS namespace with its own host name, joined by a bridge in a namespace of its own; `mpirun`
//! runs in the first host, reads a host file (`--hostfile`, MPICH's `-f`) and starts the others
//! through a launch agent (Open MPI's `plm_rsh_agent`, MPICH's `-launcher-exec`) that enters the
//! host's namespaces where `ssh` would log in. MPI then sees separate nodes that talk over TCP,
//! as on a cluster.
//!
//! Every test makes its own hosts and removes them when it ends, failed or not: namespaces named
//! `spmd-<pid>-...`, addresses in 10.251.0.0/24 that exist only inside them; nothing else on the
//! machine or its network is touched. Creating namespaces needs root (`CAP_SYS_ADMIN`), `ip`
//! (iproute2) and `nsenter`; where a probe namespace cannot be made and entered, every test is
//! listed and skipped, with the reason.
//!
//! `SPMD_MPIRUN` names the launcher as for the `mpirun` tests (e.g. `mpirun.mpich` with the
//! binaries built against MPICH).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use spmd_tests::{Header, binary_dir, run, workspace_root};

/// The subnet of the hosts: host `i` is `10.251.0.(i + 1)`.
const SUBNET: &str = "10.251.0";

fn main() {
    let mut args = Arguments::from_args();
    // Each run starts several processes on two cores: one at a time.
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    libtest_mimic::run(&args, trials()).exit();
}

/// One program run across hosts.
struct Case {
    /// `tests` or `examples`: where the program's source lives.
    krate: &'static str,
    program: &'static str,
    /// Ranks on each host, in host order.
    slots: &'static [usize],
    /// Text the output must contain besides what the program's header expects.
    must_contain: &'static [&'static str],
    /// The run must end within this time (a panic's abort across hosts).
    within: Option<Duration>,
}

const fn case(krate: &'static str, program: &'static str, slots: &'static [usize]) -> Case {
    Case {
        krate,
        program,
        slots,
        must_contain: &[],
        within: None,
    }
}

/// The programs run across hosts: the seed examples, a sample of the op tests, check mode, the
/// watchdog, a panic on the second host, the shallow-water model's bits, node-local notions.
fn cases() -> Vec<Case> {
    vec![
        case("examples", "send_recv", &[1, 1]),
        case("examples", "send_recv_explicit", &[1, 1]),
        case("examples", "global_sum", &[2, 2]),
        case("tests", "ops_p2p", &[2, 2]),
        case("tests", "ops_sendrecv", &[2, 1]),
        case("tests", "ops_allreduce", &[2, 2]),
        case("tests", "ops_alltoall", &[2, 2]),
        case("tests", "ops_half", &[2, 2]),
        case("tests", "ops_layouts", &[2, 2]),
        case("tests", "check_clean", &[2, 2]),
        case("tests", "check_message_mismatch", &[1, 1]),
        case("tests", "watchdog_deadlock", &[1, 1]),
        Case {
            // Rank 0 on the first host, ranks 1 (which panics) and 2 on the second.
            within: Some(Duration::from_secs(5)),
            ..case("tests", "fail_panic", &[1, 2])
        },
        // Rank 0 runs the model alone and compares with the 4-rank run, bit for bit.
        case("tests", "sw_decomposition", &[2, 2]),
        Case {
            must_contain: &[
                "rank 0 on host spmd-host-0: node-local rank 0 of 2, 2 node(s)",
                "rank 1 on host spmd-host-0: node-local rank 1 of 2, 2 node(s)",
                "rank 2 on host spmd-host-1: node-local rank 0 of 1, 2 node(s)",
            ],
            ..case("tests", "multihost_nodes", &[2, 1])
        },
    ]
}

fn trials() -> Vec<Trial> {
    let unavailable = namespaces_unavailable();
    if let Some(reason) = &unavailable {
        eprintln!("multihost: every test is skipped: {reason}");
    }
    cases()
        .into_iter()
        .map(|case| {
            let layout: Vec<String> = case.slots.iter().map(usize::to_string).collect();
            let name = format!(
                "multihost::{}::{}::hosts_{}",
                case.krate,
                case.program,
                layout.join("x")
            );
            let skip = unavailable.is_some();
            let reason = unavailable.clone();
            Trial::test(name, move || match &reason {
                Some(reason) => Err(format!("cannot run here: {reason}").into()),
                None => run_case(&case),
            })
            .with_ignored_flag(skip)
        })
        .collect()
}

/// Why hosts cannot be made here, if they cannot.
fn namespaces_unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("network namespaces need root".into());
    }
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !works("ip", &["-V"]) {
        return Some("`ip` (iproute2) is not installed".into());
    }
    if !works("unshare", &["--net", "--uts", "true"]) {
        return Some("this machine does not allow new network and UTS namespaces".into());
    }
    // What the tests do, once: a named namespace, entered to set up an interface.
    let probe = format!("spmd-{}-probe", std::process::id());
    let made =
        ip(&["netns", "add", &probe]).and_then(|()| ip_in(&probe, &["link", "set", "lo", "up"]));
    let _ = ip(&["netns", "del", &probe]);
    made.err()
        .map(|error| format!("named network namespaces cannot be made and entered here: {error}"))
}

fn run_case(case: &Case) -> Result<(), Failed> {
    let source_dir = match case.krate {
        "examples" => "examples/src/bin",
        _ => "tests/src/bin",
    };
    let source_path = spmd_tests::program_source(&workspace_root().join(source_dir), case.program);
    let source = std::fs::read_to_string(&source_path)
        .map_err(|error| format!("cannot read {}: {error}", source_path.display()))?;
    let header =
        Header::parse(&source).map_err(|error| format!("{}: {error}", source_path.display()))?;
    let binary = binary_dir().join(case.program);
    if !binary.exists() {
        return Err(format!(
            "{} is not built: run `cargo build --workspace --bins` first (`cargo xtask test` does)",
            binary.display()
        )
        .into());
    }
    let hosts = Hosts::create(case.slots.len())?;
    let mut command = hosts.mpirun(case.slots, &binary);
    command.args(&header.args);
    for (name, value) in &header.env {
        command.env(name, value);
    }
    let ranks: usize = case.slots.iter().sum();
    // MPICH over UCX's TCP between the hosts: see `FinalizeHang`.
    let hang = (!is_open_mpi())
        .then(|| run::FinalizeHang::arm(&mut command, &header, ranks))
        .flatten();
    let what = format!(
        "{} on {ranks} rank(s) across {} hosts ({:?} ranks each)",
        case.program,
        case.slots.len(),
        case.slots
    );
    let outcome = run::run_and_judge_or_hang(command, &header, &what, hang.as_ref())?;
    let missing: Vec<&&str> = case
        .must_contain
        .iter()
        .filter(|text| !outcome.output.contains(**text))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{what}: the output lacks {missing:?}\n--- output ---\n{}",
            outcome.output
        )
        .into());
    }
    if let Some(bound) = case.within
        && outcome.elapsed > bound
    {
        return Err(format!(
            "{what}: took {:.1} s, more than {} s\n--- output ---\n{}",
            outcome.elapsed.as_secs_f64(),
            bound.as_secs(),
            outcome.output
        )
        .into());
    }
    eprintln!("{what}: {:.2} s", outcome.elapsed.as_secs_f64());
    Ok(())
}

/// The launcher: `mpirun`, or the one `SPMD_MPIRUN` names.
fn mpirun_program() -> String {
    std::env::var("SPMD_MPIRUN").unwrap_or_else(|_| "mpirun".into())
}

fn is_open_mpi() -> bool {
    Command::new(mpirun_program())
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| {
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            text.contains("Open MPI") || text.contains("OpenRTE")
        })
}

/// Hosts made of namespaces, removed on drop.
struct Hosts {
    /// Prefix of every namespace name: `spmd-<pid>-<n>`.
    prefix: String,
    count: usize,
    /// Holds the launch agent.
    dir: PathBuf,
}

impl Hosts {
    fn namespace(&self, host: usize) -> String {
        format!("{}-h{host}", self.prefix)
    }

    fn switch(&self) -> String {
        format!("{}-sw", self.prefix)
    }

    fn address(host: usize) -> String {
        format!("{SUBNET}.{}", host + 1)
    }

    fn host_name(host: usize) -> String {
        format!("spmd-host-{host}")
    }

    /// Makes `count` hosts on a bridge: namespaces, veth pairs, addresses, and the agent.
    fn create(count: usize) -> Result<Hosts, String> {
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let prefix = format!(
            "spmd-{}-{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(&prefix);
        std::fs::create_dir(&dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        // From here on, `drop` removes whatever was made.
        let hosts = Hosts { prefix, count, dir };
        let sw = hosts.switch();
        ip(&["netns", "add", &sw])?;
        ip_in(&sw, &["link", "add", "br0", "type", "bridge"])?;
        ip_in(&sw, &["link", "set", "br0", "up"])?;
        for host in 0..count {
            let ns = hosts.namespace(host);
            ip(&["netns", "add", &ns])?;
            let (inside, port) = ("eth0".to_owned(), format!("p{host}"));
            ip(&[
                "link", "add", &inside, "netns", &ns, "type", "veth", "peer", "name", &port,
                "netns", &sw,
            ])?;
            ip_in(&sw, &["link", "set", &port, "master", "br0"])?;
            ip_in(&sw, &["link", "set", &port, "up"])?;
            let address = format!("{}/24", Self::address(host));
            ip_in(&ns, &["addr", "add", &address, "dev", &inside])?;
            ip_in(&ns, &["link", "set", &inside, "up"])?;
            ip_in(&ns, &["link", "set", "lo", "up"])?;
        }
        hosts.write_agent()?;
        Ok(hosts)
    }

    fn agent(&self) -> PathBuf {
        self.dir.join("agent")
    }

    /// The launch agent: `agent HOST COMMAND...` runs COMMAND in HOST's namespaces, as `ssh HOST
    /// COMMAND...` would on a cluster (the words are joined and run by a shell).
    fn write_agent(&self) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let mut cases = String::new();
        for host in 0..self.count {
            cases.push_str(&format!(
                "    {address}|{name}) ns={ns}; name={name} ;;\n",
                address = Self::address(host),
                name = Self::host_name(host),
                ns = self.namespace(host)
            ));
        }
        let script = format!(
            "#!/bin/sh\n\
             # Launch agent of the spmd multi-host test: enters the host's namespaces.\n\
             host=\"$1\"; shift\n\
             case \"$host\" in\n{cases}    *) echo \"agent: unknown host $host\" >&2; exit 1 ;;\n\
             esac\n\
             exec nsenter --net=/run/netns/\"$ns\" unshare --uts sh -c 'hostname \"$0\" && exec sh -c \"$1\"' \"$name\" \"$*\"\n"
        );
        let path = self.agent();
        std::fs::write(&path, script)
            .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)))
            .map_err(|error| format!("cannot write {}: {error}", path.display()))
    }

    /// `mpirun` on the first host, with `slots[i]` ranks on host `i`.
    fn mpirun(&self, slots: &[usize], binary: &Path) -> Command {
        let ranks: usize = slots.iter().sum();
        let open_mpi = is_open_mpi();
        // The host file, in each library's format: one host per line with its slots.
        let lines: Vec<String> = slots
            .iter()
            .enumerate()
            .map(|(host, n)| match open_mpi {
                true => format!("{} slots={n}\n", Self::address(host)),
                false => format!("{}:{n}\n", Self::address(host)),
            })
            .collect();
        let hostfile = self.dir.join("hosts");
        if let Err(error) = std::fs::write(&hostfile, lines.concat()) {
            panic!("cannot write {}: {error}", hostfile.display());
        }
        let hostfile = hostfile.display().to_string();
        let subnet = format!("{SUBNET}.0/24");
        let mut launch: Vec<String> = vec![mpirun_program()];
        if open_mpi {
            launch.extend(
                [
                    "--hostfile",
                    &hostfile,
                    "-n",
                    &ranks.to_string(),
                    // The hosts share this machine's cores: binding would pin each host's
                    // first rank to the same one.
                    "--bind-to",
                    "none",
                    "--mca",
                    "plm_rsh_agent",
                    &self.agent().display().to_string(),
                    "--mca",
                    "oob_tcp_if_include",
                    &subnet,
                    "--mca",
                    "btl_tcp_if_include",
                    &subnet,
                ]
                .map(str::to_owned),
            );
        } else {
            launch.extend(
                [
                    "-launcher",
                    "rsh",
                    "-launcher-exec",
                    &self.agent().display().to_string(),
                    "-f",
                    &hostfile,
                    "-iface",
                    "eth0",
                    "-n",
                    &ranks.to_string(),
                ]
                .map(str::to_owned),
            );
        }
        launch.push(binary.display().to_string());
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--net={}", netns_path(&self.namespace(0))))
            .args(["unshare", "--uts", "sh", "-c"])
            .arg("hostname \"$0\" && exec \"$@\"")
            .arg(Self::host_name(0))
            .args(&launch)
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            // MPICH over TCP between the hosts, whatever its network module.
            .env("UCX_TLS", "tcp,self,sm")
            .env("UCX_NET_DEVICES", "eth0")
            .env("FI_PROVIDER", "tcp");
        command
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for host in 0..self.count {
            let _ = ip(&["netns", "del", &self.namespace(host)]);
        }
        let _ = ip(&["netns", "del", &self.switch()]);
        // Only the agent and the host file are in the folder, which this test made.
        let _ = std::fs::remove_file(self.agent());
        let _ = std::fs::remove_file(self.dir.join("hosts"));
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Runs `ip` with `args`; its error output on failure.
fn ip(args: &[&str]) -> Result<(), String> {
    run_quietly("ip", args)
}

/// The path of namespace `name`'s handle, made by `ip netns add`.
fn netns_path(name: &str) -> String {
    format!("/run/netns/{name}")
}

/// Runs `ip` with `args` inside network namespace `ns`. Through `nsenter`, not `ip -n` or
/// `ip netns exec`: those also remount `/sys`, which fails where `/` is not a mount point (a
/// chroot), while entering the namespace is all that is needed.
fn ip_in(ns: &str, args: &[&str]) -> Result<(), String> {
    let net = format!("--net={}", netns_path(ns));
    let mut all = vec![net.as_str(), "ip"];
    all.extend_from_slice(args);
    run_quietly("nsenter", &all)
}

/// Runs `program` with `args`; its error output on failure.
fn run_quietly(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run `{program}`: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
