//! The pattern check on the forms it must accept and the mistakes it must report.

use proc_macro2::TokenStream;
use quote::quote;

use crate::analyse::{self, Options};
use crate::ctxt::Ctxt;

/// The options of a function checked alone (no source file), with `sizes` (the default if
/// `None`).
fn checked_alone(sizes: Option<&[usize]>) -> Options<'_> {
    Options {
        sizes,
        unchecked: false,
        source: None,
        path: None,
    }
}

/// The errors `#[spmd_jit]` reports on `item`, checked with `sizes` (the default if `None`).
fn errors_with(sizes: Option<&[usize]>, item: TokenStream) -> Vec<String> {
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let mut cx = Ctxt::default();
    let options = checked_alone(sizes);
    analyse::analyse(&func, options, &mut cx);
    let errors = cx.into_compile_errors();
    let file: syn::File = syn::parse2(errors).expect("compile_error! items");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(mac) => syn::parse2::<syn::LitStr>(mac.mac.tokens.clone())
                .ok()
                .map(|lit| lit.value()),
            _ => None,
        })
        .collect()
}

fn errors(item: TokenStream) -> Vec<String> {
    errors_with(None, item)
}

/// What `explain` says.
fn explain(item: TokenStream) -> String {
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let mut cx = Ctxt::default();
    let options = checked_alone(None);
    let analysis = analyse::analyse(&func, options, &mut cx);
    format!(
        "`{}`: {}: {}",
        func.sig.ident,
        analysis.coverage.word(),
        analysis.explanation
    )
}

/// No error, and every size analysed.
#[track_caller]
fn assert_clean(item: TokenStream) {
    let found = errors(item.clone());
    let explained = explain(item);
    assert!(found.is_empty(), "{found:#?}\n{explained}");
    assert!(
        !explained.contains("not analysed") && explained.contains(": checked"),
        "{explained}"
    );
}

/// No error, the function not (wholly) analysed.
#[track_caller]
fn assert_given_up(item: TokenStream) {
    let found = errors(item.clone());
    let explained = explain(item);
    assert!(found.is_empty(), "{found:#?}\n{explained}");
    assert!(explained.contains("not analysed"), "{explained}");
}

#[track_caller]
fn assert_error(item: TokenStream, parts: &[&str]) {
    let found = errors(item);
    if std::env::var_os("SPMD_SHOW").is_some() {
        eprintln!("{found:#?}");
    }
    let first = found.first().cloned().unwrap_or_default();
    for part in parts {
        assert!(first.contains(part), "`{part}` not in {found:#?}");
    }
}

#[test]
fn seed_exchange_is_correct_on_two_ranks_only() {
    let item = quote! {
        fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
            if comm.rank() == 0 {
                send(arr, 1, comm);
                recv(arr, 1, comm)
            } else {
                let new_arr = recv(arr, 0, comm);
                send(arr, 0, comm);
                new_arr
            }
        }
    };
    assert!(errors_with(Some(&[2]), item.clone()).is_empty());
    assert_error(
        item,
        &[
            "with 3 ranks,",
            "`recv` on rank 2 waits for a message from rank 0 that never comes",
            "correct with 2 ranks and fails with 1, 3 to 16, 32 and 64 ranks",
            "assert_eq!(comm.size(), 2);",
            "sizes = 2",
        ],
    );
}

#[test]
fn an_assert_on_the_size_restricts_the_sizes() {
    assert_clean(quote! {
        fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
            assert_eq!(comm.size(), 2, "two ranks");
            if comm.rank() == 0 {
                send(arr, 1, comm);
                recv(arr, 1, comm)
            } else {
                let new_arr = recv(arr, 0, comm);
                send(arr, 0, comm);
                new_arr
            }
        }
    });
}

#[test]
fn explicit_seed_exchange() {
    let item = quote! {
        fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
            let token = spmd::token();
            if comm.rank() == 0 {
                let token = send(arr, 1, comm, token);
                let (new_arr, token) = recv(arr, 1, comm, token);
                drop(token);
                new_arr
            } else {
                let (new_arr, token) = recv(arr, 0, comm, token);
                let token = send(arr, 0, comm, token);
                drop(token);
                new_arr
            }
        }
    };
    assert!(errors_with(Some(&[2]), item.clone()).is_empty());
    assert_error(item, &["with 3 ranks,", "never comes"]);
}

#[test]
fn ring_of_sends_deadlocks_above_the_eager_limit() {
    assert_error(
        quote! {
            fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
                let (rank, size) = (comm.rank(), comm.size());
                send(x, (rank + 1) % size, comm);
                recv(x, (rank + size - 1) % size, comm)
            }
        },
        &[
            "with 2 ranks,",
            "rank 0 sends to rank 1 (`send`), rank 1 sends to rank 0 (`send`)",
            "eager limit",
            "sendrecv",
            "odd/even",
            "(It also fails with 1, 3 to 16, 32 and 64 ranks.)",
        ],
    );
}

#[test]
fn ring_at_two_ranks_and_more() {
    let found = errors_with(
        Some(&[2, 3, 4, 5, 6]),
        quote! {
            fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
                let (rank, size) = (comm.rank(), comm.size());
                send(x, (rank + 1) % size, comm);
                recv(x, (rank + size - 1) % size, comm)
            }
        },
    );
    assert!(found[0].contains("with 2 ranks"), "{found:#?}");
    assert!(found[0].contains("rank 0 sends to rank 1"), "{found:#?}");
}

#[test]
fn odd_even_ring() {
    assert_clean(quote! {
        fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            if size == 1 {
                return x.to_vec();
            }
            let right = (rank + 1) % size;
            let left = (rank + size - 1) % size;
            if rank % 2 == 0 {
                send(x, right, comm);
                recv(x, left, comm)
            } else {
                let got = recv(x, left, comm);
                send(x, right, comm);
                got
            }
        }
    });
}

#[test]
fn sendrecv_ring_with_shift() {
    assert_clean(quote! {
        fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (from, to) = comm.shift(1);
            let once = sendrecv(x, x, from, to, comm);
            let rank = comm.rank();
            let size = comm.size();
            sendrecv(
                &once,
                x,
                Source::rank((rank + size - 1) % size).tag(3),
                Dest::rank((rank + 1) % size).tag(3),
                comm,
            )
        }
    });
}

#[test]
fn receives_first_deadlock_whatever_the_size() {
    assert_error(
        quote! {
            fn swap(comm: &Comm, x: &[f64]) -> Vec<f64> {
                assert_eq!(comm.size(), 2);
                let other = 1 - comm.rank();
                let got = recv(x, other, comm);
                send(x, other, comm);
                got
            }
        },
        &[
            "with 2 ranks",
            "whatever the size",
            "rank 0 receives from rank 1",
        ],
    );
}

#[test]
fn tags_that_never_match() {
    assert_error(
        quote! {
            fn tagged(comm: &Comm, x: &[f64]) {
                assert!(comm.size() >= 2);
                match comm.rank() {
                    0 => send(x, Dest::rank(1).tag(1), comm),
                    1 => { recv(x, Source::rank(0).tag(2), comm); }
                    _ => {}
                }
            }
        },
        &["tags never match", "with tag 2", "tag 1"],
    );
}

#[test]
fn collective_after_rank_dependent_return() {
    assert_error(
        quote! {
            fn early(comm: &Comm, x: f64) -> f64 {
                if comm.rank() == comm.size() - 1 {
                    return x;
                }
                allreduce(&x, Sum, comm)
            }
        },
        &[
            "with 2 ranks",
            "rank 1 finishes without calling any collective",
        ],
    );
    let found = errors_with(
        Some(&[2]),
        quote! {
            fn early(comm: &Comm, x: f64) -> f64 {
                if comm.rank() == 1 {
                    return x;
                }
                allreduce(&x, Sum, comm)
            }
        },
    );
    assert!(
        found[0].contains("disagree on their 1st collective"),
        "{found:#?}"
    );
    assert!(found[0].contains("rank 1 returns early"), "{found:#?}");
}

#[test]
fn rank_dependent_trip_count() {
    let found = errors(quote! {
        fn steps(comm: &Comm, mut x: f64) -> f64 {
            for _ in 0..comm.rank() + 1 {
                x = allreduce(&x, Sum, comm);
            }
            x
        }
    });
    assert!(found[0].contains("with 2 ranks"), "{found:#?}");
    assert!(found[0].contains("2nd collective"), "{found:#?}");
    assert!(
        found[0].contains("runs 1 time on rank 0, 2 times on rank 1"),
        "{found:#?}"
    );
}

#[test]
fn roots_that_differ() {
    let found = errors(quote! {
        fn root(comm: &Comm, x: f64) -> f64 {
            let root = comm.rank().min(1);
            bcast(&x, root, comm)
        }
    });
    assert!(found[0].contains("with 2 ranks"), "{found:#?}");
    assert!(found[0].contains("`bcast(root 0)`"), "{found:#?}");
    assert!(found[0].contains("`bcast(root 1)`"), "{found:#?}");
}

#[test]
fn send_without_receive() {
    assert_error(
        quote! {
            fn lost(comm: &Comm, x: f64) {
                if comm.rank() == 0 {
                    for peer in 1..comm.size() {
                        send(&x, peer, comm);
                    }
                } else if comm.rank() < 3 {
                    recv(&x, 0, comm);
                }
            }
        },
        &["with 4 ranks", "rank 0", "to rank 3", "never received"],
    );
}

#[test]
fn peer_out_of_range() {
    assert_error(
        quote! {
            fn shift(comm: &Comm, x: f64) {
                let rank = comm.rank();
                if rank + 1 < comm.size() + 1 {
                    send(&x, rank + 1, comm);
                }
                if rank > 0 {
                    recv(&x, rank - 1, comm);
                }
            }
        },
        &[
            "with 2 ranks",
            "rank 1 sends to rank 2, which does not exist",
            "% size",
        ],
    );
}

#[test]
fn requests_pushed_into_a_vec() {
    // Requests collected with `push` are completed by the `wait_all` of the `Vec`.
    assert_clean(quote! {
        fn ring(comm: &Comm, x: f64) {
            let (rank, size) = (comm.rank(), comm.size());
            let mut requests = Vec::new();
            for step in [1, size - 1] {
                requests.push(isend(vec![x], (rank + step) % size, comm));
            }
            recv(&x, (rank + size - 1) % size, comm);
            recv(&x, (rank + 1) % size, comm);
            let sent = wait_all(requests, comm);
        }
    });
    // The twin that receives one message of the two: the other is never received.
    assert_error(
        quote! {
            fn ring(comm: &Comm, x: f64) {
                let (rank, size) = (comm.rank(), comm.size());
                let mut requests = Vec::with_capacity(2);
                requests.push(isend(vec![x], (rank + 1) % size, comm));
                requests.push(isend(vec![x], (rank + size - 1) % size, comm));
                recv(&x, (rank + size - 1) % size, comm);
                wait_all(requests, comm);
            }
        },
        &["never"],
    );
    // A `Vec` changed otherwise is no longer known: a branch on it gives up.
    assert_given_up(quote! {
        fn changed(comm: &Comm, more: &[u32]) {
            let mut items = Vec::new();
            items.extend_from_slice(more);
            if items.is_empty() {
                barrier(comm);
            }
        }
    });
}

#[test]
fn known_counts_are_compared() {
    // MBI's ParamMatching_Size codes: a collective whose count differs between ranks.
    assert_error(
        quote! {
            fn sizes(comm: &Comm) {
                let (rank, nprocs) = (comm.rank(), comm.size());
                let count = if rank == 0 { nprocs } else { 2 * nprocs };
                let buf = vec![0_i32; count];
                allreduce(&buf, Sum, comm);
            }
        },
        &[
            "with 2 ranks",
            "rank 0 calls `allreduce(Sum)` of 2 elements",
            "rank 1 calls `allreduce(Sum)` of 4 elements",
            "buffers of different lengths",
            "v-collectives",
        ],
    );
    assert_error(
        quote! {
            fn sizes(comm: &Comm) {
                let buf = [0u8; 3];
                if comm.rank() == 0 {
                    bcast(&buf, 0, comm);
                } else {
                    bcast(&[0u8; 2], 0, comm);
                }
            }
        },
        &["of 3 elements", "of 2 elements"],
    );
    // A message longer than its receive, or not filling its template.
    assert_error(
        quote! {
            fn sizes(comm: &Comm) {
                assert_eq!(comm.size(), 2);
                if comm.rank() == 0 {
                    send(&vec![0.0; 4], 1, comm);
                } else {
                    recv_into(&mut [0.0; 2], 0, comm);
                }
            }
        },
        &[
            "`recv_into` on rank 1",
            "receives the message of `send` on rank 0",
            "4 elements, but its buffer holds 2",
        ],
    );
    assert_error(
        quote! {
            fn sizes(comm: &Comm) {
                assert_eq!(comm.size(), 2);
                let peer = 1 - comm.rank();
                let got = sendrecv(&[1, 2, 3], &[0, 0], peer, peer, comm);
            }
        },
        &[
            "3 elements, but its template holds 2",
            "fill its template exactly",
        ],
    );
    // What is legal: a shorter message into a longer buffer, equal counts, counts that vary
    // where the op allows it (scatter's buffer off the root, the v-collectives).
    assert_clean(quote! {
        fn sizes(comm: &Comm) {
            let (rank, size) = (comm.rank(), comm.size());
            let (from, to) = comm.shift(1);
            let mut room = vec![0; 8];
            sendrecv_into(&vec![rank; 3], &mut room, from, to, comm);
            let got = sendrecv(&[rank; 2], &[0; 2], from, to, comm);
            allreduce(&vec![0.0; size], Sum, comm);
            let mine = if rank == 0 { vec![0; 2 * size] } else { Vec::new() };
            scatter(&mine, 0, comm);
            gatherv(&vec![0; rank + 1], 0, comm);
        }
    });
}

#[test]
fn negative_tags_are_refused() {
    // MBI's InvalidParam_Tag codes: a tag known to be negative fails every run.
    assert_error(
        quote! {
            fn tagged(comm: &Comm, x: f64) {
                assert_eq!(comm.size(), 2);
                if comm.rank() == 0 {
                    send(&x, Dest::rank(1).tag(-1), comm);
                } else {
                    recv(&x, Source::rank(0).tag(-1), comm);
                }
            }
        },
        &[
            "with 2 ranks",
            "`send` on rank 0",
            "sends with tag -1",
            "0 or more",
        ],
    );
    assert_error(
        quote! {
            fn tagged(comm: &Comm, x: f64) {
                assert_eq!(comm.size(), 2);
                let peer = 1 - comm.rank();
                sendrecv(&x, &x, Source::rank(peer).tag(-3), Dest::rank(peer).tag(4), comm);
            }
        },
        &["receives with tag -3", "leave the tag unset"],
    );
    // Tags of 0 and more, and any tag, are fine.
    assert_clean(quote! {
        fn tagged(comm: &Comm, x: f64) {
            assert_eq!(comm.size(), 2);
            let peer = 1 - comm.rank();
            sendrecv(&x, &x, Source::rank(peer), Dest::rank(peer).tag(40_000), comm);
            sendrecv(&x, &x, Source::any(), Dest::rank(peer).tag(7), comm);
        }
    });
}

/// A binary-tree reduction with send and recv: the ranks take different paths.
fn tree_reduction() -> TokenStream {
    quote! {
        fn tree(comm: &Comm, mut x: f64) -> f64 {
            let (rank, size) = (comm.rank(), comm.size());
            let mut step = 1;
            while step < size {
                if rank % (2 * step) == 0 {
                    if rank + step < size {
                        x += recv(&x, rank + step, comm);
                    }
                } else {
                    send(&x, rank - step, comm);
                    break;
                }
                step *= 2;
            }
            bcast(&x, 0, comm)
        }
    }
}

#[test]
fn shifts_and_trees_and_fans() {
    // A shift to the right, the last rank not sending.
    assert_clean(quote! {
        fn shift(comm: &Comm, x: f64) -> f64 {
            let rank = comm.rank();
            let mut got = x;
            if rank + 1 < comm.size() {
                send(&x, rank + 1, comm);
            }
            if rank > 0 {
                got = recv(&x, rank - 1, comm);
            }
            got
        }
    });
    assert_clean(tree_reduction());
    // A fan-out from a root, then a fan-in with tags.
    assert_clean(quote! {
        fn fan(comm: &Comm, x: f64) -> f64 {
            const ROOT: usize = 0;
            let mut total = x;
            if comm.rank() == ROOT {
                for peer in (0..comm.size()).filter(|&p| p != ROOT) {
                    send(&x, peer, comm);
                }
                for peer in 1..comm.size() {
                    total += recv(&x, Source::rank(peer).tag(7), comm);
                }
            } else {
                let got = recv(&x, ROOT, comm);
                send(&got, Dest::rank(ROOT).tag(7), comm);
            }
            total
        }
    });
}

#[test]
fn halo_exchange_of_a_2d_decomposition() {
    assert_clean(quote! {
        fn halo(comm: &Comm, field: &Array2<f64>) -> f64 {
            let (rank, size) = (comm.rank(), comm.size());
            // The most square grid of `px` by `py` ranks.
            let mut px = size.isqrt();
            while size % px != 0 {
                px -= 1;
            }
            let py = size / px;
            let (row, col) = (rank / px, rank % px);
            let north = if row > 0 { Some(rank - px) } else { None };
            let south = if row + 1 < py { Some(rank + px) } else { None };
            let west = col.checked_sub(1).map(|c| row * px + c);
            let east = (col + 1 < px).then(|| rank + 1);
            let mut sum = 0.0;
            // Even rows send north first; odd rows receive from the south first.
            for (first, second) in [(north, south), (west, east)] {
                if let Some(peer) = first {
                    sum += sendrecv(field, field, Source::rank(peer), Dest::rank(peer), comm).sum();
                }
                if let Some(peer) = second {
                    sum += sendrecv(field, field, Source::rank(peer), Dest::rank(peer), comm).sum();
                }
            }
            allreduce(&sum, Sum, comm)
        }
    });
}

#[test]
fn unknown_peers_give_up_silently() {
    assert_given_up(quote! {
        fn data(comm: &Comm, peers: &[usize], x: f64) {
            for &peer in peers {
                send(&x, peer, comm);
            }
        }
    });
    assert_given_up(quote! {
        fn helper(comm: &Comm, x: f64) -> f64 {
            let y = other_jit_function(comm, x);
            allreduce(&y, Sum, comm)
        }
    });
    assert_given_up(quote! {
        fn method(&self) -> f64 {
            let e = self.energy();
            if self.comm.rank() == 0 {
                send(&e, self.grid.east, &self.comm);
            }
            e
        }
    });
}

#[test]
fn methods_of_self_may_communicate() {
    // `self` may hold a clone of `comm`: its methods may receive what rank 0 sends.
    assert_given_up(quote! {
        fn hand_over(&self, comm: &Comm, x: f64) {
            if comm.rank() == 0 && comm.size() > 1 {
                send(&x, 1, comm);
            }
            self.finish();
        }
    });
}

#[test]
fn explain_says_why() {
    let text = explain(quote! {
        fn data(comm: &Comm, peers: &[usize], x: f64) {
            for &peer in peers {
                send(&x, peer, comm);
            }
        }
    });
    assert!(text.contains("not analysed"), "{text}");
    assert!(text.contains("`for` loop"), "{text}");
    let text = explain(quote! {
        fn fine(comm: &Comm, x: f64) -> f64 {
            allreduce(&x, Sum, comm)
        }
    });
    assert!(
        text.contains("with 1 to 16, 32 and 64 rank(s): checked"),
        "{text}"
    );
}

#[test]
fn any_source_checks_collectives_but_matches_no_message() {
    let item = quote! {
        fn gather_by_hand(comm: &Comm, x: f64) -> f64 {
            let mut total = x;
            if comm.rank() == 0 {
                for _ in 1..comm.size() {
                    total += recv(&x, ANY_SOURCE, comm);
                }
            } else {
                send(&x, 0, comm);
            }
            bcast(&total, 0, comm)
        }
    };
    assert!(errors(item.clone()).is_empty());
    let text = explain(item);
    assert!(text.contains("`ANY_SOURCE`"), "{text}");
}

#[test]
fn what_is_known_before_giving_up_is_checked() {
    // The peers of the sends come from data, but the roots differ before them.
    assert_error(
        quote! {
            fn partial(comm: &Comm, peers: &[usize], x: f64) {
                bcast(&x, comm.rank() % 2, comm);
                for &peer in peers {
                    send(&x, peer, comm);
                }
            }
        },
        &[
            "with 2 ranks",
            "1st collective",
            "`bcast(root 0)`",
            "`bcast(root 1)`",
        ],
    );
}

#[test]
fn unchecked_checks_nothing() {
    let func: syn::ItemFn = syn::parse2(quote! {
        fn wrong(comm: &Comm) {
            send(&1.0, comm.size(), comm);
        }
    })
    .expect("a function");
    let mut cx = Ctxt::default();
    let options = Options {
        sizes: None,
        unchecked: true,
        source: None,
        path: None,
    };
    let analysis = analyse::analyse(&func, options, &mut cx);
    assert!(!cx.has_errors());
    assert!(analysis.explanation.contains("`unchecked`"));
    assert_eq!(analysis.coverage.word(), "not checked");
}

#[test]
fn long_loops_and_data_do_not_stop_the_check() {
    // A long loop that does not communicate is cut short, its variables made unknown; a
    // branch on data that does not communicate is skipped.
    assert_clean(quote! {
        fn busy(comm: &Comm, data: &[f64]) -> f64 {
            let mut sum = 0.0;
            let mut count = 0usize;
            for i in 0..1_000_000 {
                count += i % 2;
            }
            if data.len() > count {
                sum += 1.0;
            }
            allreduce(&sum, Sum, comm)
        }
    });
    // A loop with communication and a trip count from data gives up.
    assert_given_up(quote! {
        fn until(comm: &Comm, mut x: f64) -> f64 {
            while x > 1.0 {
                x = allreduce(&x, Min, comm) / 2.0;
            }
            x
        }
    });
}

#[test]
fn sizes_attribute_and_power_of_two_advice() {
    let item = quote! {
        fn butterfly(comm: &Comm, mut x: f64) -> f64 {
            let (rank, size) = (comm.rank(), comm.size());
            let mut mask = 1;
            while mask < size {
                x += sendrecv(&x, &x, Source::rank(rank ^ mask), Dest::rank(rank ^ mask), comm);
                mask <<= 1;
            }
            x
        }
    };
    assert!(errors_with(Some(&[1, 2, 4, 8, 16]), item.clone()).is_empty());
    assert_error(
        item,
        &[
            "with 3 ranks",
            "does not exist",
            "assert!(comm.size().is_power_of_two());",
            "sizes = [1, 2, 4, 8, 16, 32, 64]",
        ],
    );
}

#[test]
fn a_function_of_the_users_called_min_without_arguments() {
    // `min()` is not `std::cmp::min`: the evaluation must not read its missing arguments.
    let found = errors(quote! {
        fn f(comm: &Comm, x: f64) -> f64 {
            let k = min();
            if comm.rank() == k {
                send(&x, 1, comm);
            }
            x
        }
    });
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn arithmetic_that_overflows_i128_is_not_known() {
    // The macro follows integers as `i128`; what overflows it is not known, never a panic.
    let found = errors(quote! {
        fn f(comm: &Comm, x: f64) -> f64 {
            let min = -170141183460469231731687303715884105727i128 - 1;
            let k = (-min).abs() + (min / -1) + min.abs_diff(1) + (min..=170141183460469231731687303715884105727i128).len() as i128;
            if comm.rank() as i128 == k {
                send(&x, 1, comm);
            }
            x
        }
    });
    assert!(found.is_empty(), "{found:?}");
}

/// The errors and the explanation of the function `name` of the file `source`, with the file
/// read as the macro reads it (its constants and functions).
fn in_file(source: &str, name: &str) -> (Vec<String>, String) {
    let file = syn::parse_file(source).expect("a file");
    let func = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Fn(func) if func.sig.ident == name => Some(func.clone()),
            syn::Item::Impl(block) => block.items.iter().find_map(|item| match item {
                syn::ImplItem::Fn(method) if method.sig.ident == name => Some(syn::ItemFn {
                    attrs: method.attrs.clone(),
                    vis: method.vis.clone(),
                    sig: method.sig.clone(),
                    block: Box::new(method.block.clone()),
                }),
                _ => None,
            }),
            _ => None,
        })
        .expect("the function");
    let mut cx = Ctxt::default();
    let options = Options {
        sizes: None,
        unchecked: false,
        source: Some(source),
        path: None,
    };
    let analysis = analyse::analyse(&func, options, &mut cx);
    let explained = format!(
        "`{name}`: {}: {}",
        analysis.coverage.word(),
        analysis.explanation
    );
    let errors = cx.into_compile_errors();
    let errors: syn::File = syn::parse2(errors).expect("compile_error! items");
    let errors = errors
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(mac) => syn::parse2::<syn::LitStr>(mac.mac.tokens.clone())
                .ok()
                .map(|lit| lit.value()),
            _ => None,
        })
        .collect();
    (errors, explained)
}

#[test]
fn helpers_of_the_file_are_followed() {
    let source = r#"
        fn dot(comm: &Comm, a: &[f64], b: &[f64]) -> f64 {
            let local: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            allreduce(&local, Sum, comm)
        }

        fn neighbours(comm: &Comm) -> (usize, usize) {
            let (rank, size) = (comm.rank(), comm.size());
            ((rank + size - 1) % size, (rank + 1) % size)
        }

        fn ghosts(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (below, above) = neighbours(comm);
            sendrecv(x, x, Source::rank(below), Dest::rank(above), comm)
        }

        #[spmd_jit]
        fn cg(comm: &Comm, x: &[f64]) -> f64 {
            let mut rho = dot(comm, x, x);
            for _ in 0..3 {
                let g = ghosts(comm, x);
                rho = dot(comm, &g, x);
            }
            rho
        }

        #[spmd_jit]
        fn root_only(comm: &Comm, x: &[f64]) -> f64 {
            if comm.rank() == 0 { dot(comm, x, x) } else { 0.0 }
        }
    "#;
    let (errors, explained) = in_file(source, "cg");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.starts_with("`cg`: checked:"), "{explained}");
    assert!(explained.contains("at most 7 calls"), "{explained}");
    // A collective reached through a helper on one rank only.
    let (errors, _) = in_file(source, "root_only");
    let first = errors.first().cloned().unwrap_or_default();
    assert!(
        first.contains("the ranks disagree on their 1st collective")
            && first.contains("rank 1 finishes without calling any collective"),
        "{errors:#?}"
    );
    // A function that hands the communicator on is not "no communication".
    let (_, explained) = in_file(source, "ghosts");
    assert!(explained.starts_with("`ghosts`: checked:"), "{explained}");
}

#[test]
fn a_helper_of_another_file_names_the_call() {
    let source = r#"
        #[spmd_jit]
        fn outer(comm: &Comm, x: f64) -> f64 {
            elsewhere::total(comm, x)
        }
    "#;
    let (errors, explained) = in_file(source, "outer");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        explained.starts_with("`outer`: gave up:")
            && explained.contains("`elsewhere::total` is given the communicator"),
        "{explained}"
    );
}

/// mpi4jax's test of branches: `right` and `left` each talk to the other rank; only rank 1
/// calls `right`.
const RIGHT_LEFT: &str = r#"
    #[spmd_jit]
    fn right(comm: &Comm, x: f64) -> f64 {
        let (rank, size) = (comm.rank(), comm.size());
        send(&x, (rank + 1) % size, comm);
        recv(&x, (rank + 1) % size, comm)
    }

    #[spmd_jit]
    fn left(comm: &Comm, x: f64) -> f64 {
        let (rank, size) = (comm.rank(), comm.size());
        let y = recv(&x, (rank + size - 1) % size, comm);
        SEND_BACK
        y
    }

    #[spmd_jit]
    fn branches(comm: &Comm, x: f64) -> f64 {
        assert_eq!(comm.size(), 2, "the pair talks across two ranks");
        if comm.rank() == 1 { right(comm, x) } else { left(comm, x) }
    }
"#;

#[test]
fn a_function_only_some_ranks_call_is_judged_with_its_callers() {
    let source = RIGHT_LEFT.replace("SEND_BACK", "send(&x, (rank + size - 1) % size, comm);");
    for name in ["right", "left"] {
        let (errors, explained) = in_file(&source, name);
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(
            explained.starts_with(&format!("`{name}`: checked with its callers:"))
                && explained.contains("(`branches`)"),
            "{explained}"
        );
    }
    let (errors, explained) = in_file(&source, "branches");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.starts_with("`branches`: checked:"), "{explained}");
    // The same pair with the receive of `right` never sent: the caller reports it.
    let source = RIGHT_LEFT.replace("SEND_BACK", "");
    let (errors, _) = in_file(&source, "branches");
    let first = errors.first().cloned().unwrap_or_default();
    assert!(
        first.contains("`recv` on rank 1") && first.contains("never comes"),
        "{errors:#?}"
    );
    let (errors, explained) = in_file(&source, "right");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        explained.contains("checked with its callers"),
        "{explained}"
    );
}

#[test]
fn branches_and_recursion_in_helpers() {
    let source = r#"
        fn levels(comm: &Comm, level: usize, x: f64) -> f64 {
            if level == 0 {
                return x;
            }
            let y = allreduce(&x, Sum, comm);
            levels(comm, level - 1, y)
        }

        fn forever(comm: &Comm, x: f64) -> f64 {
            let y = allreduce(&x, Sum, comm);
            forever(comm, y)
        }

        fn pick(comm: &Comm, even: bool, x: f64) -> f64 {
            if even { bcast(&x, 0, comm) } else { allreduce(&x, Max, comm) }
        }

        #[spmd_jit]
        fn tree(comm: &Comm, x: f64) -> f64 {
            levels(comm, 3, x)
        }

        #[spmd_jit]
        fn endless(comm: &Comm, x: f64) -> f64 {
            forever(comm, x)
        }

        #[spmd_jit]
        fn by_parity(comm: &Comm, x: f64) -> f64 {
            pick(comm, comm.rank() % 2 == 0, x)
        }

        #[spmd_jit]
        fn agreed(comm: &Comm, x: f64) -> f64 {
            pick(comm, comm.size() % 2 == 0, x)
        }
    "#;
    let (errors, explained) = in_file(source, "tree");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.contains("at most 3 calls"), "{explained}");
    let (errors, explained) = in_file(source, "endless");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        explained.contains("gave up") && explained.contains("calls deep"),
        "{explained}"
    );
    let (errors, _) = in_file(source, "by_parity");
    assert!(
        errors
            .first()
            .is_some_and(|e| e.contains("the ranks disagree on their 1st collective")),
        "{errors:#?}"
    );
    let (errors, explained) = in_file(source, "agreed");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.starts_with("`agreed`: checked:"), "{explained}");
}

#[test]
fn a_peer_swap_that_shows_on_a_three_by_three_grid_only() {
    // North and south swapped: on a 2 x 2 grid they are the same rank, so only a 3 x 3 grid
    // (9 ranks) shows the mistake; the default sizes include it.
    let item = quote! {
        fn north_south(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            let side = size.isqrt();
            assert_eq!(side * side, size, "a square process grid");
            let (row, col) = (rank / side, rank % side);
            let north = ((row + side - 1) % side) * side + col;
            let south = ((row + 1) % side) * side + col;
            let _ = south;
            sendrecv(x, x, Source::rank(north), Dest::rank(north), comm)
        }
    };
    let eight: Vec<usize> = (1..=8).collect();
    assert!(errors_with(Some(&eight), item.clone()).is_empty());
    assert_error(item, &["with 9 ranks,"]);
}

/// A ring of neighbours kept in a struct, `METHOD` put in its exchange's `impl` and `EXTRA`
/// beside it.
fn ring_source(method: &str, extra: &str) -> String {
    let ring = r#"
        #[derive(Debug, Clone, Copy)]
        struct Ring {
            left: usize,
            right: usize,
        }

        impl Ring {
            fn new(comm: &Comm) -> Result<Ring, String> {
                let (rank, size) = (comm.rank(), comm.size());
                if size % 2 != 0 {
                    return Err(format!("not on {size} ranks"));
                }
                Ok(Ring { left: (rank + size - 1) % size, right: (rank + 1) % size })
            }
        }

        struct Halo {
            ring: Ring,
            incoming: Vec<f64>,
        }

        fn halo(comm: &Comm) -> Result<Halo, String> {
            let ring = Ring::new(comm)?;
            Ok(Halo::new(ring))
        }
    "#;
    format!(
        "{ring}\nimpl Halo {{\n fn new(ring: Ring) -> Halo {{ Halo {{ ring, incoming: Vec::new() }} }}\n{method}\n}}\n{extra}"
    )
}

const SHIFT_RIGHT: &str = r#"
    #[spmd_jit]
    fn shift(&mut self, comm: &Comm, x: &[f64]) {
        let from = Source::rank(self.ring.left);
        sendrecv_into(x, &mut self.incoming[..], from, Dest::rank(self.ring.right), comm);
    }
"#;

#[test]
fn fields_set_from_the_rank_by_every_constructor_are_known() {
    let (errors, explained) = in_file(&ring_source(SHIFT_RIGHT, ""), "shift");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`shift`: checked"), "{explained}");
    // Odd sizes: `Ring::new` fails, so no `Halo` exists with them.
    assert!(explained.contains("with 1, 3, 5"), "{explained}");
    assert!(explained.contains("no `Halo` is made"), "{explained}");
}

#[test]
fn a_field_from_the_rank_with_the_wrong_neighbour_fails() {
    let wrong = SHIFT_RIGHT.replace("self.ring.left", "self.ring.right");
    let (errors, _) = in_file(&ring_source(&wrong, ""), "shift");
    assert!(!errors.is_empty(), "no error");
}

#[test]
fn a_field_written_elsewhere_is_not_known() {
    // The method reads `self.ring.right`: `Halo`'s ring is some `Ring`, whose `right` every
    // constructor of `Ring` sets, unless it is written or made otherwise.
    let cases = [
        // Assigned by a method.
        "impl Halo { fn turn(&mut self) { self.ring.right = 0; } }",
        // Borrowed mutably, then assigned.
        "fn touch(halo: &mut Halo) { let ring = &mut halo.ring; ring.right = 0; }",
        // Built by another constructor from a value not known.
        "fn other(right: usize) -> Halo { Halo::new(Ring { left: 0, right }) }",
        // Built where a closure runs.
        "fn many() -> Vec<Halo> { (0..2).map(|i| Halo::new(Ring { left: i, right: i })).collect() }",
    ];
    let wrong = SHIFT_RIGHT.replace("self.ring.left", "self.ring.right");
    for extra in cases {
        let (errors, explained) = in_file(&ring_source(&wrong, extra), "shift");
        assert!(errors.is_empty(), "{extra}: {errors:?}");
        assert!(
            explained.starts_with("`shift`: gave up"),
            "{extra}: {explained}"
        );
    }
    // A type that may be made out of nothing.
    let source = ring_source(&wrong, "").replace(
        "#[derive(Debug, Clone, Copy)]\n        struct Ring",
        "#[derive(Debug, Clone, Copy, Default)]\n        struct Ring",
    );
    let (errors, explained) = in_file(&source, "shift");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`shift`: gave up"), "{explained}");
}

#[test]
fn methods_of_self_are_followed() {
    let source = ring_source(
        &format!(
            "{SHIFT_RIGHT}
            #[spmd_jit]
            fn twice(&mut self, comm: &Comm, x: &[f64]) {{
                self.shift(comm, x);
                self.shift(comm, x);
            }}"
        ),
        "",
    );
    let (errors, explained) = in_file(&source, "twice");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`twice`: checked"), "{explained}");
    assert!(
        explained.contains("at most 2 calls per rank"),
        "{explained}"
    );
}

#[test]
fn a_function_that_only_completes_requests_says_so() {
    let source = r#"
        fn pending<'a, T>(requests: Vec<Request<'a, T>>, done: &mut Vec<T>) -> Vec<Request<'a, T>> {
            let mut left = Vec::new();
            for request in requests {
                match test(request) {
                    Ok(result) => done.push(result),
                    Err(request) => left.push(request),
                }
            }
            left
        }

        fn plain(x: f64) -> f64 {
            x + 1.0
        }
    "#;
    let (errors, explained) = in_file(source, "pending");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        explained.starts_with("`pending`: completion only: it only completes requests"),
        "{explained}"
    );
    let (_, explained) = in_file(source, "plain");
    assert!(
        explained.starts_with("`plain`: no communication"),
        "{explained}"
    );
}

#[test]
fn a_method_that_communicates_on_a_communicator_it_holds_is_not_taken_for_a_value() {
    let source = r#"
        struct Solver {
            comm: Comm,
        }

        impl Solver {
            fn norm(&self, x: f64) -> f64 {
                allreduce(&x, Sum, &self.comm)
            }
        }

        fn step(comm: &Comm, solver: &Solver, x: f64) -> f64 {
            let n = solver.norm(x);
            if comm.rank() == 0 {
                return n;
            }
            allreduce(&n, Max, comm)
        }
    "#;
    let (errors, explained) = in_file(source, "step");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`step`: gave up"), "{explained}");
    assert!(
        explained.contains("`Solver::norm` calls ops on a communicator"),
        "{explained}"
    );
}

#[test]
fn a_struct_in_a_variable_changed_in_place_is_no_longer_known() {
    let source = r#"
        struct Peers {
            next: usize,
        }

        impl Peers {
            fn turn(&mut self) {
                self.next = 0;
            }
        }

        fn assigned(comm: &Comm, x: f64) {
            let mut peers = Peers { next: (comm.rank() + 1) % comm.size() };
            peers.next = 0;
            send(&x, peers.next, comm);
        }

        fn by_method(comm: &Comm, x: f64) {
            let mut peers = Peers { next: (comm.rank() + 1) % comm.size() };
            peers.turn();
            send(&x, peers.next, comm);
        }

        fn borrowed(comm: &Comm, x: f64) {
            let mut peers = Peers { next: (comm.rank() + 1) % comm.size() };
            let next = &mut peers.next;
            *next = 0;
            send(&x, peers.next, comm);
        }
    "#;
    for name in ["assigned", "by_method", "borrowed"] {
        let (errors, explained) = in_file(source, name);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(explained.contains("gave up"), "{name}: {explained}");
    }
}

#[test]
fn halo_exchange_on_an_open_grid_with_absent_peers() {
    // Every size 1..=8: the grid's shape, its edges' absent peers and the exchange are known.
    let source = quote! {
        fn halo(comm: &Comm, top: &[f64], bottom: &[f64], left: &[f64], right: &[f64]) {
            let grid = comm.cartesian([0, 0], [false, false]);
            let (from, to) = grid.shift(0, 1);
            let below = sendrecv(bottom, top, from, to, comm);
            let (from, to) = grid.shift(0, -1);
            let above = sendrecv(top, bottom, from, to, comm);
            let (from, to) = grid.shift(1, 1);
            let east = sendrecv(right, left, from, to, comm);
            let (from, to) = grid.shift(1, -1);
            let west = sendrecv(left, right, from, to, comm);
            let [rows, cols] = grid.dims();
            assert!(rows * cols == comm.size());
        }
    };
    assert_clean(source.clone());
    let text = explain(source);
    assert!(text.contains("checked"), "{text}");
    assert!(!text.contains("gave up"), "{text}");
}

#[test]
fn absent_peers_send_and_receive_nothing() {
    // An open line: the first rank receives from no one, the last sends to no one; written
    // with `rank_or_none` and with the grid's `neighbour`.
    assert_clean(quote! {
        fn pass_right(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let rank = comm.rank();
            let right = (rank + 1 < comm.size()).then_some(rank + 1);
            let got = recv(x, Source::rank_or_none(rank.checked_sub(1)), comm);
            send(x, Dest::rank_or_none(right), comm);
            let line = comm.cartesian([0], [false]);
            send(x, Dest::rank_or_none(line.neighbour(0, -1)), comm);
            recv(x, Source::rank_or_none(line.neighbour(0, 1)), comm)
        }
    });
}

#[test]
fn a_wrong_shift_on_an_open_grid_is_an_error() {
    // The receive goes the other way than the send: each rank sends to the one before it and
    // waits for a message from the one before it, which sent to the rank before itself (the
    // first rank to no one).
    let found = errors(quote! {
        fn halo(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let grid = comm.cartesian([0], [false]);
            let (from, _) = grid.shift(0, 1);
            let (_, to) = grid.shift(0, -1);
            send(x, to, comm);
            recv(x, from, comm)
        }
    });
    let first = found.first().cloned().unwrap_or_default();
    assert!(
        first.contains("`recv` on rank 1 waits for a message from rank 0 that never comes"),
        "{found:#?}"
    );
}

#[test]
fn a_grid_kept_in_a_struct_is_known_in_its_methods() {
    let source = r#"
        struct Block {
            grid: Cartesian<2>,
            west: Vec<f64>,
        }
        impl Block {
            fn new(comm: &Comm) -> Block {
                Block {
                    grid: comm.cartesian([0, 0], [false, false]),
                    west: vec![0.0; 3],
                }
            }
            fn exchange(&mut self, east: &[f64], comm: &Comm) {
                let (west, east_peer) = self.grid.shift(1, 1);
                sendrecv_into(east, &mut self.west, west, east_peer, comm);
            }
        }
    "#;
    let (errors, explained) = in_file(source, "exchange");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.starts_with("`exchange`: checked"), "{explained}");
    // Receiving from the east while sending east: a wait that never ends.
    let wrong = source.replace(
        "let (west, east_peer) = self.grid.shift(1, 1);",
        "let (_, east_peer) = self.grid.shift(1, 1); let (west, _) = self.grid.shift(1, -1);",
    );
    let (errors, _) = in_file(&wrong, "exchange");
    let first = errors.first().cloned().unwrap_or_default();
    assert!(first.contains("never comes"), "{errors:#?}");
}

#[test]
fn nonblocking_exchanges_are_played() {
    // Both ranks post their receive, send, and wait for both: fine at every size (a ring).
    let source = quote! {
        fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            let left = (rank + size - 1) % size;
            let right = (rank + 1) % size;
            let r = irecv(x, left, comm);
            let s = isend(x, right, comm);
            let (got, ()) = wait_all((r, s), comm);
            let t = isendrecv(x, x, Source::rank(left), Dest::rank(right), comm);
            let again = wait(t);
            let r = irecv(x, left, comm);
            let s = isend(x, right, comm);
            let both = vec![r, s];
            wait_all(both, comm);
            let r = irecv(x, left, comm);
            let s = isend(x, right, comm);
            wait_all([s, r], comm);
            got
        }
    };
    assert_clean(source.clone());
    let text = explain(source);
    assert!(text.contains("checked: every message matched"), "{text}");
    // Send first, wait, then receive, on both sides of a pair: a deadlock once messages are
    // not eager (the send's wait waits for the receive).
    assert_error(
        quote! {
            fn swap(comm: &Comm, x: &[f64]) -> Vec<f64> {
                assert_eq!(comm.size(), 2);
                let other = 1 - comm.rank();
                let s = isend(x, other, comm);
                wait(s);
                recv(x, other, comm)
            }
        },
        &["deadlock", "eager"],
    );
    // A receive posted but its message never sent: the wait waits forever.
    assert_error(
        quote! {
            fn lost(comm: &Comm, x: &[f64]) -> Vec<f64> {
                assert_eq!(comm.size(), 2);
                let r = irecv(x, 1 - comm.rank(), comm);
                if comm.rank() == 0 {
                    send(x, 1, comm);
                }
                wait(r)
            }
        },
        &["`irecv` on rank 0", "never comes"],
    );
    // A message sent with `isend` that no one receives.
    assert_error(
        quote! {
            fn unreceived(comm: &Comm, x: &[f64]) {
                assert_eq!(comm.size(), 2);
                if comm.rank() == 0 {
                    let s = isend(x, 1, comm);
                    wait(s);
                }
            }
        },
        &["`isend` on rank 0", "never received"],
    );
}

#[test]
fn requests_waited_out_of_sight_are_not_played() {
    // Requests in a `Vec` built by pushes: which ones a `wait_all` completes is not known, so
    // the messages are not matched (the collectives still are).
    let text = explain(quote! {
        fn many(comm: &Comm, x: &[f64]) {
            let mut requests = Vec::new();
            for peer in 0..comm.size() {
                requests.push(isend(x, peer, comm));
            }
            let got: Vec<_> = (0..comm.size()).map(|peer| recv(x, peer, comm)).collect();
            wait_all(requests, comm);
        }
    });
    assert!(!text.contains("checked: every message matched"), "{text}");
}

#[test]
fn nonblocking_collectives_roots_are_checked() {
    assert_error(
        quote! {
            fn spread(comm: &Comm, x: &[f64]) -> Vec<f64> {
                let r = ibcast(x, comm.size(), comm);
                wait(r)
            }
        },
        &["root"],
    );
    assert_error(
        quote! {
            fn spread(comm: &Comm, x: &[f64]) -> Vec<f64> {
                let r = ibcast(x, comm.rank() % 2, comm);
                wait(r)
            }
        },
        &["root"],
    );
}

#[test]
fn receives_from_any_rank_are_played_in_every_order() {
    // A root collects one message from every other rank, in any order: correct in every order.
    let collect = quote! {
        fn collect(comm: &Comm, x: &[f64]) {
            if comm.rank() == 0 {
                for _ in 1..comm.size() {
                    recv(x, ANY_SOURCE, comm);
                }
            } else {
                send(x, 0, comm);
            }
        }
    };
    assert_clean(collect.clone());
    let text = explain(collect);
    assert!(text.contains("checked: every message matched"), "{text}");
    // The same with nonblocking receives, waited for together.
    assert_clean(quote! {
        fn collect(comm: &Comm, x: &[f64]) {
            assert_eq!(comm.size(), 3);
            if comm.rank() == 0 {
                let a = irecv(x, ANY_SOURCE, comm);
                let b = irecv(x, ANY_SOURCE, comm);
                wait_all((a, b), comm);
            } else {
                send(x, 0, comm);
            }
        }
    });
    // A receive from any rank, then one from rank 1: when the first takes rank 1's message,
    // the second waits forever (and rank 2's message is never received).
    let found = errors(quote! {
        fn race(comm: &Comm, x: &[f64]) {
            assert_eq!(comm.size(), 3);
            if comm.rank() == 0 {
                recv(x, ANY_SOURCE, comm);
                recv(x, 1, comm);
            } else {
                send(x, 0, comm);
            }
        }
    });
    let first = found.first().cloned().unwrap_or_default();
    assert!(
        first.contains("in this order, which timing decides"),
        "{found:#?}"
    );
    assert!(first.contains("takes rank 1's message"), "{found:#?}");
}

#[test]
fn a_receive_from_any_rank_that_nobody_sends_is_found() {
    assert_error(
        quote! {
            fn nobody(comm: &Comm, x: &[f64]) -> Vec<f64> {
                recv(x, ANY_SOURCE, comm)
            }
        },
        &["waits for a message from any rank", "never comes"],
    );
}

#[test]
fn convergence_loops_on_uniform_values_are_checked() {
    // The exit is decided by an allreduce: every rank leaves at the same trip.
    assert_clean(quote! {
        fn solve(comm: &Comm, u: &mut Vec<f64>) {
            let right = (comm.rank() + 1) % comm.size();
            let left = (comm.rank() + comm.size() - 1) % comm.size();
            loop {
                let ghost = sendrecv(&u[0], &u[0], Source::rank(left), Dest::rank(right), comm);
                let change = step(u, ghost);
                let err = allreduce(&change, Max, comm);
                if err < 1e-6 {
                    break;
                }
            }
        }
    });
    // `while` on an allreduce, with a variable that the loop updates.
    assert_clean(quote! {
        fn drain(comm: &Comm, work: &mut Vec<u64>) -> usize {
            let mut rounds = 0;
            while allreduce(&work.len(), Sum, comm) > 0 {
                work.pop();
                barrier(comm);
                rounds += 1;
            }
            rounds
        }
    });
    // A loop of known bound left early by a `return` on an allreduce; the bound from a
    // `bcast` of data.
    assert_clean(quote! {
        fn heat(comm: &Comm, data: &[f64]) -> usize {
            let steps = bcast(&data.len(), 0, comm);
            for step in 1..=20_000 {
                let change = relax(data);
                let largest = allreduce(&change, Max, comm);
                if largest < 1e-4 {
                    return step;
                }
            }
            for _ in 0..steps {
                barrier(comm);
            }
            0
        }
    });
}

#[test]
fn conditions_on_uniform_values_that_do_not_matter_are_not_decided() {
    // `if err > worst` neither communicates nor leaves, and the loop over a `bcast` bound
    // does not communicate: both are skipped as before, not decided once per trip (which
    // would exceed the runs played).
    assert_clean(quote! {
        fn solve(comm: &Comm, u: &mut Vec<f64>, n: usize) -> f64 {
            let count = bcast(&n, 0, comm);
            let mut total = 0.0;
            for _ in 0..count {
                total += 1.0;
            }
            let mut worst = 0.0;
            loop {
                let err = allreduce(&step(u), Max, comm);
                if err > worst {
                    worst = err;
                }
                if err < 1e-6 {
                    break;
                }
            }
            worst + total
        }
    });
}

#[test]
fn a_wrong_convergence_loop_is_reported() {
    // Every trip receives from the left, nobody sends.
    assert_error(
        quote! {
            fn solve(comm: &Comm, u: &mut Vec<f64>) {
                let left = (comm.rank() + comm.size() - 1) % comm.size();
                loop {
                    let ghost = recv(&u[0], Source::rank(left), comm);
                    let err = allreduce(&(u[0] - ghost), Max, comm);
                    if err < 1e-6 {
                        break;
                    }
                }
            }
        },
        &["recv"],
    );
    // A collective under a uniform condition combined with the rank: rank 0 skips it.
    assert_error(
        quote! {
            fn solve(comm: &Comm, x: f64) {
                let err = allreduce(&x, Max, comm);
                if err > 1.0 && comm.rank() != 0 {
                    barrier(comm);
                }
            }
        },
        &["barrier"],
    );
}

#[test]
fn conditions_on_data_that_is_not_uniform_still_give_up() {
    // Local data, received data and a parameter are not the same on every rank.
    assert_given_up(quote! {
        fn solve(comm: &Comm, u: &mut Vec<f64>) {
            loop {
                barrier(comm);
                if u[0] < 1e-6 {
                    break;
                }
            }
        }
    });
    assert_given_up(quote! {
        fn count_up(comm: &Comm, limit: u64) {
            let mut rounds = 0;
            while allreduce(&rounds, Max, comm) < limit {
                barrier(comm);
                rounds += 1;
            }
        }
    });
    assert_given_up(quote! {
        fn received(comm: &Comm) {
            let flag: u64 = if comm.rank() == 0 { 0 } else { recv(&0_u64, Source::rank(0), comm) };
            if comm.rank() == 0 {
                for r in 1..comm.size() { send(&1_u64, Dest::rank(r), comm); }
            }
            if flag > 0 {
                let right = (comm.rank() + 1) % comm.size();
                send(&flag, Dest::rank(right), comm);
            }
        }
    });
}

#[test]
fn impossible_combinations_on_uniform_values_are_not_reported() {
    // `err < 1.0` false and `err < 2.0` true would be an error, and two conditions on the
    // same result may not be combined freely: no error, given up.
    assert_given_up(quote! {
        fn two(comm: &Comm, x: f64) {
            let err = allreduce(&x, Max, comm);
            if err < 1.0 && comm.rank() == 0 {
                send(&x, Dest::rank(1), comm);
            }
            if err >= 1.0 {
            } else if comm.rank() == 1 {
                let _y = recv(&x, Source::rank(0), comm);
            }
        }
    });
    // The results of two collectives may be related (`lo <= hi`): `hi < 1.0` true with
    // `lo < 1.0` false never happens, and only it fails.
    assert_given_up(quote! {
        fn related(comm: &Comm, x: f64) {
            let hi = allreduce(&x, Max, comm);
            let lo = allreduce(&x, Min, comm);
            if hi < 1.0 && comm.rank() == 0 {
                send(&x, Dest::rank(1), comm);
            }
            if lo < 1.0 {
                if hi < 1.0 && comm.rank() == 1 {
                    let _y = recv(&x, Source::rank(0), comm);
                }
            }
        }
    });
    // A condition on the rank mixed into a uniform value differs from rank to rank.
    assert_given_up(quote! {
        fn mixed(comm: &Comm, x: f64) {
            let err = allreduce(&x, Max, comm) as usize;
            if err < comm.rank() {
                let right = (comm.rank() + 1) % comm.size();
                let left = (comm.rank() + comm.size() - 1) % comm.size();
                let _y = sendrecv(&x, &x, Source::rank(left), Dest::rank(right), comm);
            }
        }
    });
    // The same condition on the same value twice goes the same way both times.
    assert_clean(quote! {
        fn same(comm: &Comm, x: f64) {
            let err = allreduce(&x, Max, comm);
            if err < 1.0 {
                barrier(comm);
            }
            if err < 1.0 {
                barrier(comm);
            } else {
                barrier(comm);
            }
        }
    });
}

#[test]
fn a_mistake_of_a_later_trip_is_reported() {
    // From the second trip on, rank 0 sends a message nobody receives: the run that leaves
    // at the third trip shows it (the first two trips start in different states).
    assert_error(
        quote! {
            fn late(comm: &Comm, x: f64) {
                let mut first = true;
                loop {
                    let err = allreduce(&x, Max, comm);
                    if err < 1e-6 {
                        break;
                    }
                    if !first && comm.rank() == 0 {
                        send(&x, Dest::rank(1), comm);
                    }
                    first = false;
                }
            }
        },
        &["send"],
    );
}

#[test]
fn the_trip_number_of_a_uniform_loop_is_part_of_its_state() {
    // `i == 5` at the sixth trip: the trips do not repeat, the check does not cut the loop
    // short, and gives up where the trip number is made unknown.
    assert_given_up(quote! {
        fn fifth(comm: &Comm, n: u64, x: f64) {
            let count = bcast(&n, 0, comm);
            for i in 0..count {
                let _e = allreduce(&x, Sum, comm);
                if i == 5 && comm.rank() == 0 {
                    send(&x, Dest::rank(1), comm);
                }
            }
        }
    });
    // Over the items of an array, followed to the end when few are left: the fourth
    // item's send is found.
    assert_error(
        quote! {
            fn items(comm: &Comm, x: f64) {
                for p in [1, 2, 3, 4, 5] {
                    let e = allreduce(&x, Sum, comm);
                    if e < 1.0 {
                        break;
                    }
                    if p == 4 && comm.rank() == 0 {
                        send(&x, Dest::rank(1), comm);
                    }
                }
            }
        },
        &["send"],
    );
}

#[test]
fn a_while_loop_from_a_float_constant_and_the_limit_of_runs() {
    // The first test compares two constants (`f64::MAX > 1e-6`): its directions are both
    // followed, and the runs are fine.
    assert_clean(quote! {
        fn settle(comm: &Comm, u: &mut Vec<f64>) {
            let mut err = f64::MAX;
            while err > 1e-6 {
                barrier(comm);
                err = allreduce(&relax(u), Max, comm);
            }
        }
    });
    // Seven conditions on independent results, each with a collective: 128 combinations,
    // more than are played.
    let explained = explain(quote! {
        fn many(comm: &Comm, x: &[f64]) {
            if allreduce(&x[0], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[1], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[2], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[3], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[4], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[5], Max, comm) > 0.0 { barrier(comm); }
            if allreduce(&x[6], Max, comm) > 0.0 { barrier(comm); }
        }
    });
    assert!(
        explained.contains("more than 64 combinations"),
        "{explained}"
    );
}

#[test]
fn a_short_range_left_on_a_uniform_value_is_followed_to_its_end() {
    // Three trips at most, each left early on an allreduce: every number of trips is played
    // (the trip number is known in each), and the third trip's extra send is found.
    assert_error(
        quote! {
            fn three(comm: &Comm, x: f64) {
                for i in 0..3 {
                    let e = allreduce(&x, Max, comm);
                    if e < 1.0 {
                        break;
                    }
                    if i == 2 && comm.rank() == 0 {
                        send(&x, Dest::rank(1), comm);
                    }
                }
            }
        },
        &["send"],
    );
}

#[test]
fn a_uniform_exit_decided_in_a_helper() {
    let source = r#"
        fn converged(comm: &Comm, change: f64) -> bool {
            if allreduce(&change, Max, comm) < 1e-6 {
                return true;
            }
            false
        }

        #[spmd_jit]
        fn solve(comm: &Comm, u: &mut Vec<f64>) {
            let right = (comm.rank() + 1) % comm.size();
            let left = (comm.rank() + comm.size() - 1) % comm.size();
            loop {
                let ghost = sendrecv(&u[0], &u[0], Source::rank(left), Dest::rank(right), comm);
                if converged(comm, relax(u, ghost)) {
                    break;
                }
            }
        }

        #[spmd_jit]
        fn only_rank_zero(comm: &Comm, u: &mut Vec<f64>) {
            if comm.rank() == 0 {
                loop {
                    if converged(comm, relax(u, 0.0)) {
                        break;
                    }
                }
            }
        }
    "#;
    let (errors, explained) = in_file(source, "solve");
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(explained.contains(": checked"), "{explained}");
    assert!(!explained.contains("not analysed"), "{explained}");
    let (errors, explained) = in_file(source, "only_rank_zero");
    assert!(
        errors.iter().any(|error| error.contains("allreduce")),
        "{errors:#?}\n{explained}"
    );
}

#[test]
fn unknown_roots_are_partly_checked() {
    // MBI's ParamMatching_Root_from_buffer: a root read from data is not compared, and the
    // function is not reported as wholly checked.
    let item = quote! {
        fn rooted(comm: &Comm, data: &[usize]) {
            let root = data[0] % comm.size();
            bcast(&[1.0], root, comm);
        }
    };
    assert!(errors(item.clone()).is_empty());
    let explained = explain(item);
    assert!(
        explained.contains("`rooted`: partly checked")
            && explained.contains("the root of `bcast` is not computed from the rank and size"),
        "{explained}"
    );
}

#[test]
fn a_branch_on_data_that_pushes_leaves_the_collection_unknown() {
    // `peers` may hold a peer after the branch: taking it for the empty vector it was would
    // report the receive as never matched on every rank.
    assert_given_up(quote! {
        fn f(comm: &Comm, x: &[f64], flag: bool) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            let mut peers = Vec::new();
            if flag {
                peers.push((rank + 1) % size);
            }
            for peer in peers {
                send(x, peer, comm);
            }
            recv(x, (rank + size - 1) % size, comm)
        }
    });
    // The same through a field of a tuple: the variable it is part of becomes unknown.
    assert_given_up(quote! {
        fn f(comm: &Comm, x: &[f64], flag: bool) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            let mut plan = (0, (rank + 1) % size);
            if flag {
                plan.0 = 1;
            }
            for _ in 0..plan.0 {
                send(x, plan.1, comm);
            }
            recv(x, (rank + size - 1) % size, comm)
        }
    });
}

/// A polling loop: `test` between pieces of work, on data the check cannot compute.
#[test]
fn polling_loops_on_data_are_completions_of_unknown_timing() {
    let polled = |after: TokenStream| {
        quote! {
            fn f(comm: &Comm, block: &mut Vec<f64>, work: usize) {
                let (rank, size) = (comm.rank(), comm.size());
                let incoming = irecv(&block[..1], (rank + size - 1) % size, comm);
                let outgoing = isend(&block[..1], (rank + 1) % size, comm);
                let mut pending = Some(incoming);
                let mut done = None;
                let mut start = 0;
                while start < work {
                    start += 1;
                    if let Some(request) = pending.take() {
                        match test(request) {
                            Ok(row) => done = Some(row),
                            Err(request) => pending = Some(request),
                        }
                    }
                }
                let row = match (pending, done) {
                    (Some(request), _) => wait(request),
                    (None, Some(row)) => row,
                    (None, None) => unreachable!(),
                };
                let mut request = iallreduce(&row[0], Sum, comm);
                let sum = loop {
                    match test(request) {
                        Ok(sum) => break sum,
                        Err(again) => request = again,
                    }
                };
                wait(outgoing);
                #after
            }
        }
    };
    let explained = explain(polled(quote! {}));
    let found = errors(polled(quote! {}));
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        explained.contains("partly checked: which requests this completes is not followed"),
        "{explained}"
    );
    // The collectives and peers are still compared.
    assert_error(
        polled(quote! {
            if rank == 0 {
                barrier(comm);
            }
        }),
        &["barrier"],
    );
    assert_error(
        polled(quote! {
            send(&block[..1], rank + 1, comm);
        }),
        &["does not exist"],
    );
}

#[test]
fn a_loop_on_data_that_issues_ops_still_gives_up() {
    // Messages in a loop whose trips are not known: they would be guesses.
    assert_given_up(quote! {
        fn f(comm: &Comm, x: &[f64], work: usize) {
            let (rank, size) = (comm.rank(), comm.size());
            let mut n = 0;
            while n < work {
                n += 1;
                let incoming = irecv(x, (rank + size - 1) % size, comm);
                send(x, (rank + 1) % size, comm);
                match test(incoming) {
                    Ok(_) => {}
                    Err(again) => {
                        wait(again);
                    }
                }
            }
        }
    });
    // A return on data after a polling loop: what follows runs on some ranks only.
    assert_given_up(quote! {
        fn f(comm: &Comm, x: &[f64]) -> Vec<f64> {
            let (rank, size) = (comm.rank(), comm.size());
            let mut request = irecv(x, (rank + size - 1) % size, comm);
            send(x, (rank + 1) % size, comm);
            let got = loop {
                match test(request) {
                    Ok(got) => break got,
                    Err(again) => request = again,
                }
            };
            if got[0] > 0.0 {
                return got;
            }
            barrier(comm);
            got
        }
    });
}

/// A constant array of pairs of enum variants (an order of exchanges, as the shallow-water
/// halo's `EXCHANGE_ORDER`): known, so a loop over it is followed.
#[test]
fn constant_arrays_of_variants_are_known() {
    let source = |order: &str| {
        format!(
            r#"
            enum Side {{ Left, Right }}
            const ORDER: [(Side, Side); 2] = {order};

            fn neighbour(side: Side, rank: usize, size: usize) -> usize {{
                match side {{
                    Side::Left => (rank + size - 1) % size,
                    Side::Right => (rank + 1) % size,
                }}
            }}

            fn swaps(comm: &Comm, x: &[f64]) {{
                let (rank, size) = (comm.rank(), comm.size());
                for &(to, from) in &ORDER {{
                    let dest = neighbour(to, rank, size);
                    let source = neighbour(from, rank, size);
                    sendrecv(x, x, Source::rank(source), Dest::rank(dest), comm);
                }}
            }}
            "#
        )
    };
    let (errors, explained) = in_file(
        &source("[(Side::Right, Side::Left), (Side::Left, Side::Right)]"),
        "swaps",
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`swaps`: checked"), "{explained}");
    // Sent right, received from the right: with 3 ranks, nobody sends to the left.
    let (errors, _) = in_file(
        &source("[(Side::Right, Side::Left), (Side::Right, Side::Right)]"),
        "swaps",
    );
    assert!(!errors.is_empty(), "the wrong order is not found");
}

/// A function that gives up on a parameter (the offsets of its exchanges) is checked with the
/// arguments of every call of it in the crate, when those are known.
#[test]
fn a_parameter_is_known_from_every_call_of_the_function() {
    let source = |visibility: &str, receive: &str, calls: &str| {
        format!(
            r#"
            const ORDER: [usize; 2] = [1, 2];

            {visibility} fn shifts(comm: &Comm, x: &[f64], offsets: &[usize]) {{
                let (rank, size) = (comm.rank(), comm.size());
                for &k in offsets {{
                    let dest = (rank + k) % size;
                    let source = {receive};
                    sendrecv(x, x, Source::rank(source), Dest::rank(dest), comm);
                }}
            }}

            fn caller(comm: &Comm, x: &[f64], data: &[usize]) {{
                {calls}
            }}
            "#
        )
    };
    let right = "(rank + size - k % size) % size";
    let both = "shifts(comm, x, &ORDER); shifts(comm, x, &[3]);";
    let (errors, explained) = in_file(&source("", right, both), "shifts");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        explained.starts_with("`shifts`: checked with its calls' arguments: alone, "),
        "{explained}"
    );
    assert!(explained.contains("`offsets` = [1, 2]"), "{explained}");
    assert!(explained.contains("`offsets` = [3]"), "{explained}");
    // Calls in the arguments of a macro are calls too; a macro whose tokens are not
    // expressions hides them.
    let in_macro = "println!(\"{:?}\", shifts(comm, x, &ORDER)); shifts(comm, x, &[3]);";
    let (_, explained) = in_file(&source("", right, in_macro), "shifts");
    assert!(
        explained.starts_with("`shifts`: checked with its calls' arguments"),
        "{explained}"
    );
    let hidden = "shifts(comm, x, &ORDER); my_macro!(shifts => x);";
    let (_, explained) = in_file(&source("", right, hidden), "shifts");
    assert!(explained.starts_with("`shifts`: gave up"), "{explained}");
    // An argument computed from the caller's communicator is not taken (the evaluation of an
    // argument has no rank or size of the caller's).
    let (_, explained) = in_file(
        &source("", right, "shifts(comm, x, &[comm.size() - 1]);"),
        "shifts",
    );
    assert!(explained.starts_with("`shifts`: gave up"), "{explained}");
    // A call with data: not every call is known.
    let (errors, explained) = in_file(
        &source("", right, "shifts(comm, x, &ORDER); shifts(comm, x, data);"),
        "shifts",
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`shifts`: gave up"), "{explained}");
    // Other crates may call a `pub` function.
    let (_, explained) = in_file(&source("pub", right, both), "shifts");
    assert!(explained.starts_with("`shifts`: gave up"), "{explained}");
    // With a wrong source, a call's arguments fail: not reported (that call may be made on
    // some ranks only), and the function stays given up.
    let (errors, explained) = in_file(&source("", "(rank + 1) % size", both), "shifts");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(explained.starts_with("`shifts`: gave up"), "{explained}");
}

/// A closure that computes a peer is evaluated where it is called, with the values it saw
/// where it was made.
#[test]
fn closures_that_compute_peers_are_followed() {
    assert_clean(quote! {
        fn f(comm: &Comm, x: &[f64]) {
            let (rank, size) = (comm.rank(), comm.size());
            let shift = 1;
            let across = |k: usize| (rank + k * shift) % size;
            let back = |k: usize| (rank + size - (k * shift) % size) % size;
            let shift = 5;
            for k in 1..3 {
                sendrecv(x, x, Source::rank(back(k)), Dest::rank(across(k)), comm);
            }
            let _ = shift;
        }
    });
    // The twin: the peers of a closure that sends to the right and receives from the right.
    assert_error(
        quote! {
            fn f(comm: &Comm, x: &[f64]) {
                let (rank, size) = (comm.rank(), comm.size());
                let right = |k: usize| (rank + k) % size;
                sendrecv(x, x, Source::rank(right(1)), Dest::rank(right(1)), comm);
            }
        },
        &["3 ranks"],
    );
}

/// A `loop` without `break` is never left: a request given back by `test` at the end of its
/// body is not dropped after it (was a false alarm: "dropped without a wait").
#[test]
fn a_polling_loop_left_by_return_drops_no_request() {
    for body in [
        quote! { loop { match test(request) { Ok(got) => return got, Err(again) => request = again } } },
        quote! { loop { let r = test(request); match r { Ok(got) => return got, Err(again) => { request = again; } } } },
    ] {
        let found = errors(quote! {
            fn f(comm: &Comm, x: &[f64]) -> Vec<f64> {
                let mut request = irecv(x, 0, comm);
                #body
            }
        });
        assert!(found.is_empty(), "{found:#?}");
    }
    // The twin: a return that leaves the request behind is still reported.
    let found = errors(quote! {
        fn f(comm: &Comm, x: &[f64], stop: bool) -> Vec<f64> {
            let request = irecv(x, 0, comm);
            loop {
                if stop {
                    return Vec::new();
                }
            }
        }
    });
    assert!(
        found
            .iter()
            .any(|error| error.contains("is dropped by this `return` without a wait")),
        "{found:#?}"
    );
}

/// The coverage word and explanation of `item` checked with `sizes`.
fn explain_with(sizes: &[usize], item: TokenStream) -> (&'static str, String) {
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let mut cx = Ctxt::default();
    let options = checked_alone(Some(sizes));
    let analysis = analyse::analyse(&func, options, &mut cx);
    assert!(!cx.has_errors(), "{}", analysis.explanation);
    (analysis.coverage.word(), analysis.explanation)
}

/// `sizes = 1..=1024`: the step limit grows with the ranks asked for (150 steps per rank of
/// every size, 78.7 million here), so a ring halo is checked at every size.
#[test]
fn a_ring_halo_is_checked_up_to_1024_ranks() {
    let sizes: Vec<usize> = (1..=1024).collect();
    let (word, explanation) = explain_with(
        &sizes,
        quote! {
            fn ring(comm: &Comm, x: f64) -> f64 {
                let (from, to) = comm.shift(1);
                let right = sendrecv(&x, &x, from, to, comm);
                let (from, to) = comm.shift(-1);
                right + sendrecv(&x, &x, from, to, comm)
            }
        },
    );
    assert_eq!(word, "checked", "{explanation}");
    assert!(
        explanation.contains("with 1 to 1024 rank(s): checked"),
        "{explanation}"
    );
}

/// The same for a binary-tree reduction, whose ranks take different paths (at most 11 calls
/// per rank at 1,024).
#[test]
fn a_tree_reduction_is_checked_up_to_1024_ranks() {
    let sizes: Vec<usize> = (1..=1024).collect();
    let (word, explanation) = explain_with(&sizes, tree_reduction());
    assert_eq!(word, "checked", "{explanation}");
    assert!(!explanation.contains("not analysed"), "{explanation}");
    assert!(
        explanation.contains("with 513 to 1024 rank(s): checked"),
        "{explanation}"
    );
}

/// With few sizes the limit stays 6 million steps, and when it runs out the sizes left are
/// not analysed, with the limit named: here a loop of 100,000 sends per rank.
#[test]
fn the_step_limit_is_named_when_it_runs_out() {
    assert_eq!(super::budget_for(&[1, 2, 3, 4]), super::BUDGET);
    assert_eq!(
        super::budget_for(&(1..=1024).collect::<Vec<_>>()),
        150 * 524_800
    );
    let (word, explanation) = explain_with(
        &[2, 4],
        quote! {
            fn chatty(comm: &Comm, x: f64) -> f64 {
                let (from, to) = comm.shift(1);
                let mut y = x;
                for _ in 0..100_000 {
                    y = sendrecv(&y, &x, from, to, comm);
                }
                y
            }
        },
    );
    assert_eq!(word, "gave up", "{explanation}");
    assert!(
        explanation.contains("the step limit of the analysis (6000000 steps for all sizes"),
        "{explanation}"
    );
}

// Communicators made by `split` in the body: their ranks are known from every rank's colour.

#[test]
fn rows_made_by_split_are_checked() {
    // Rows of two: a reduction and a ring exchange on the row, then a reduction on the world.
    assert_clean(quote! {
        fn rows(world: &Comm) -> u64 {
            let row = split(world.rank() / 2, world);
            let me = world.rank() as u64;
            let sum = allreduce(&me, Sum, &row);
            let (from, to) = row.shift(1);
            let left = sendrecv(&me, &0_u64, from, to, &row);
            allreduce(&(sum + left), Sum, world)
        }
    });
}

#[test]
fn a_row_exchange_with_the_world_numbering_is_reported() {
    // `rank + 1` is a rank of the world, not of the row: on 4 ranks, rank 1 of the row of
    // world ranks 0 and 1 has no rank 2 in its row.
    assert_error(
        quote! {
            fn rows(world: &Comm) {
                let row = split(world.rank() / 2, world);
                if row.rank() == 0 {
                    send(&1_u8, world.rank() + 1, &row);
                } else {
                    let _ = recv(&0_u8, world.rank() - 1, &row);
                }
            }
        },
        &["does not exist (the only rank of the communicator `split` made of rank 2 is 0)"],
    );
}

#[test]
fn a_collective_on_one_row_only_is_reported() {
    // Only the row of even colour reduces on the world: the odd row's ranks skip it.
    assert_error(
        quote! {
            fn rows(world: &Comm) {
                let row = split(world.rank() % 2, world);
                let me = world.rank() as u64;
                let sum = allreduce(&me, Sum, &row);
                if world.rank() % 2 == 0 {
                    let _ = allreduce(&sum, Sum, &row);
                    barrier(world);
                }
            }
        },
        &[
            "disagree on their 2nd collective",
            "rank 1 finishes after 1 collective",
        ],
    );
}

#[test]
fn collectives_on_different_rows_need_not_match() {
    // Each row runs its own sequence: the even ranks' row reduces twice, the odd ranks' once,
    // which is right, since they are different communicators.
    assert_clean(quote! {
        fn rows(world: &Comm) {
            let parity = world.rank() % 2;
            let row = split(parity, world);
            let me = world.rank() as u64;
            let sum = allreduce(&me, Sum, &row);
            if parity == 0 {
                let _ = allreduce(&sum, Max, &row);
            }
            barrier(world);
        }
    });
}

#[test]
fn a_message_on_the_row_is_not_received_on_the_world() {
    // Messages of one communicator never match receives of another.
    assert_error(
        quote! {
            fn rows(world: &Comm) {
                assert_eq!(world.size(), 2);
                let row = split(0, world);
                if world.rank() == 0 {
                    send(&1_u8, 1, &row);
                } else {
                    let _ = recv(&0_u8, 0, world);
                }
            }
        },
        &[
            "waits for a message on the function's communicator",
            "on the communicator `split` made of ranks 0 and 1",
        ],
    );
}

#[test]
fn a_split_of_a_split_is_followed() {
    // Quarters of halves: the colour of the second split is computed from the first's rank.
    assert_clean(quote! {
        fn quarters(world: &Comm) -> u64 {
            let half = split(world.rank() * 2 / world.size(), world);
            let quarter = split(half.rank() % 2, &half);
            let me = world.rank() as u64;
            let q = allreduce(&me, Sum, &quarter);
            let h = allreduce(&q, Sum, &half);
            allreduce(&h, Sum, world)
        }
    });
}

#[test]
fn explicit_tokens_through_a_split() {
    assert_clean(quote! {
        fn rows(world: &Comm, token: Token) -> Token {
            let (row, token) = split(world.rank() / 3, world, token);
            let (_, token) = allreduce(&1_u32, Sum, &row, token);
            barrier(world, token)
        }
    });
}

#[test]
fn a_split_with_a_colour_not_known_gives_up() {
    assert_given_up(quote! {
        fn rows(world: &Comm, colour: usize) {
            let row = split(colour, world);
            barrier(&row);
        }
    });
}

#[test]
fn a_communicator_parameter_gives_up_and_says_why() {
    let explained = explain(quote! {
        fn rows(world: &Comm, row: &Comm) {
            barrier(row);
            barrier(world);
        }
    });
    assert!(
        explained.contains("another communicator than the function's")
            && explained.contains("`split`"),
        "{explained}"
    );
}

/// The sizes `#[spmd_jit]` proves `item` for (see `spmd::proof`).
fn proven(item: TokenStream) -> Vec<usize> {
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let mut cx = Ctxt::default();
    let options = checked_alone(None);
    analyse::analyse(&func, options, &mut cx).proven
}

#[test]
fn a_function_that_splits_proves_nothing() {
    // The proof names sizes of the function's communicator; ops on a row would present it
    // with the row's size.
    assert!(
        proven(quote! {
            fn rows(world: &Comm) -> u64 {
                let row = split(world.rank() / 2, world);
                allreduce(&1_u64, Sum, &row)
            }
        })
        .is_empty()
    );
    assert!(
        !proven(quote! {
            fn world_only(world: &Comm) -> u64 {
                allreduce(&1_u64, Sum, world)
            }
        })
        .is_empty()
    );
}

#[test]
fn a_rank_read_only_inside_a_helper_or_a_field_is_seen() {
    // Rank 0's run stands for every rank's only when it did not read its rank: reads inside
    // a helper followed in place, a struct's field set from the rank, and a split
    // communicator's numbering count, or rank 1's lone barrier below would go unseen.
    let source = r#"
        fn partner(comm: &Comm) -> usize {
            comm.rank() ^ 1
        }

        #[spmd_jit]
        fn lone_barrier(comm: &Comm) {
            if partner(comm) == 0 {
                barrier(comm);
            }
        }

        struct Ring {
            comm: Comm,
            left: usize,
        }

        impl Ring {
            fn new(comm: Comm) -> Ring {
                let left = (comm.rank() + comm.size() - 1) % comm.size();
                Ring { comm, left }
            }

            #[spmd_jit(comm = self.comm)]
            fn lone_left_barrier(&self) {
                if self.left == 0 {
                    barrier(&self.comm);
                }
            }
        }

        #[spmd_jit]
        fn lone_row_barrier(world: &Comm) {
            let all = split(0, world);
            if all.rank() == 1 {
                barrier(world);
            }
        }

        #[spmd_jit]
        fn data_only(comm: &Comm) -> f64 {
            let mut total = 0.0;
            for round in 0..40 {
                total += allreduce(&(round as f64), Sum, comm);
            }
            total
        }
    "#;
    for name in ["lone_barrier", "lone_left_barrier", "lone_row_barrier"] {
        let (errors, explained) = in_file(source, name);
        assert!(
            errors.iter().any(|e| e.contains("barrier")),
            "{name}: {errors:#?}\n{explained}"
        );
    }
    // A body that never reads its rank: one run per size, the same verdict.
    let (errors, explained) = in_file(source, "data_only");
    assert!(errors.is_empty(), "{errors:#?}\n{explained}");
    assert!(explained.contains(": checked"), "{explained}");
}

/// A jitted function given a `Ring` by a method that passes its own field, per rank (the
/// type's fields are not known alone: `ring_of` makes one for any rank).
const SHIFT_GIVEN: &str = r#"
    #[spmd_jit]
    fn shift_ring(comm: &Comm, ring: Ring, x: &[f64], into: &mut [f64]) {
        sendrecv_into(x, into, Source::rank(ring.left), Dest::rank(ring.right), comm);
    }

    fn ring_of(size: usize, rank: usize) -> Ring {
        Ring { left: (rank + size - 1) % size, right: (rank + 1) % size }
    }

    fn rings(size: usize) -> Vec<Ring> {
        (0..size).map(|rank| ring_of(size, rank)).collect()
    }

    impl Halo {
        fn emptied(self) -> Halo {
            Halo { incoming: Vec::new(), ..self }
        }
    }
"#;

const STEP: &str = r#"
    fn step(&mut self, comm: &Comm, x: &[f64]) {
        barrier(comm);
        if x.len() > 2 {
            shift_ring(comm, self.ring, x, &mut self.incoming[..]);
        }
    }
"#;

#[test]
fn arguments_a_caller_passes_per_rank_are_followed() {
    let source = ring_source(STEP, SHIFT_GIVEN);
    let (errors, explained) = in_file(&source, "shift_ring");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        explained.starts_with("`shift_ring`: checked with its calls' arguments")
            && explained.contains("`ring` as the call in `step` passes it, per rank"),
        "{explained}"
    );
    // Odd sizes: `Ring::new` fails, so no `Halo` exists and `step` never runs.
    assert!(
        explained.contains("the call of it in `step` that gives `ring` is not made"),
        "{explained}"
    );
    // The wrong neighbour: not checked (the check with the arguments reports nothing).
    let wrong = source.replace("Source::rank(ring.left)", "Source::rank(ring.right)");
    let (errors, explained) = in_file(&wrong, "shift_ring");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        explained.starts_with("`shift_ring`: gave up"),
        "{explained}"
    );
    // A call in a loop passes a value per trip: not followed.
    let looped = ring_source(
        &STEP.replace("if x.len() > 2", "for _ in 0..2"),
        SHIFT_GIVEN,
    );
    let (_, explained) = in_file(&looped, "shift_ring");
    assert!(
        explained.starts_with("`shift_ring`: gave up"),
        "{explained}"
    );
}
