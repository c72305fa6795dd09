//! Compiles `csrc/shim.c`, which exposes the few MPI constants that are casts in `mpi.h`
//! (`MPI_IN_PLACE` above all) and so never reach the generated bindings.

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.c");
    let lib = match build_probe_mpi::probe() {
        Ok(lib) => lib,
        Err(errors) => {
            for error in errors {
                println!("cargo:warning=MPI probe: {error}");
            }
            panic!(
                "no MPI library found: install one (Debian/Ubuntu: `apt-get install libopenmpi-dev openmpi-bin`) or run `cargo xtask test`, which installs it"
            );
        }
    };
    let mut build = cc::Build::new();
    build.file("csrc/shim.c");
    for include in &lib.include_paths {
        build.include(include);
    }
    build.compile("spmd_shim");
}
