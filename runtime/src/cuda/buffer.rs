//! The buffer traits for `cudarc` device memory: `CudaSlice` (read, write, stack, split),
//! `CudaView` (read, stack, split) and `CudaViewMut` (read, write).
//!
//! Reading a device buffer synchronises its stream and copies it into the call site's pinned
//! chunk ([`Pinned`]); results are copied into new device memory on the same stream, or back
//! into the caller's buffer, which the op waits for before its pinned chunk is reused.

use std::sync::Arc;

use cudarc::driver::{
    CudaSlice, CudaStream, CudaView, CudaViewMut, DevicePtr, DevicePtrMut, DeviceRepr, DeviceSlice,
};

use super::staging::Pinned;
use super::{detect, fail};
use crate::buffer::{Buffer, BufferMut, Elements, Splittable, Stackable};
use crate::element::Element;

/// The help line of a CUDA error during an op's copies.
const CUDA_HELP: &str = "an earlier kernel or copy on this stream may have failed; run with \
                         CUDA_LAUNCH_BLOCKING=1 to see which";

/// Copies `device` into the current op's next pinned chunk, once every operation queued on its
/// stream before it (the kernels that produced it) has finished.
fn stage_in<T, D>(device: &D) -> Pinned<T>
where
    T: Element + DeviceRepr,
    D: DevicePtr<T>,
{
    detect::check_path();
    let stream = device.stream();
    let mut pinned = super::staging::take::<T>(stream.context(), device.len());
    if device.len() > 0 {
        // The copy runs on the stream; `pinned` is read only after `synchronize` below, when
        // it has finished.
        if let Err(error) = stream.memcpy_dtoh(device, &mut *pinned) {
            fail(
                format!("copying a device buffer to host memory failed: {error}"),
                CUDA_HELP,
            );
        }
    }
    // Also when empty: MPI must not run before the work that produced the buffer is done.
    synchronize(stream);
    pinned
}

/// Copies `host` into `device` on the device buffer's stream and waits for the copy, so that
/// the pinned chunk can be reused and later work on the stream sees the data.
fn stage_out<T, D>(host: &[T], device: &mut D)
where
    T: Element + DeviceRepr,
    D: DevicePtrMut<T>,
{
    let stream = device.stream().clone();
    if !host.is_empty()
        && let Err(error) = stream.memcpy_htod(host, device)
    {
        fail(
            format!("copying a result into device memory failed: {error}"),
            CUDA_HELP,
        );
    }
    synchronize(&stream);
}

fn synchronize(stream: &CudaStream) {
    if let Err(error) = stream.synchronize() {
        fail(
            format!("synchronising the device buffer's stream failed: {error}"),
            CUDA_HELP,
        );
    }
}

/// New device memory on `stream` holding `data`. The copy is queued on `stream`, so work the
/// caller queues there afterwards sees it; `data` may be freed as soon as this returns (the
/// driver has taken its copy of pageable memory by then).
fn upload<T: Element + DeviceRepr>(stream: &Arc<CudaStream>, data: &[T]) -> CudaSlice<T> {
    stream.clone_htod(data).unwrap_or_else(|error| {
        fail(
            format!(
                "copying the result ({} elements of {}) into new device memory failed: {error}",
                data.len(),
                T::NAME
            ),
            "the device may be out of memory; free device buffers or use the `_into` form \
             of the op",
        )
    })
}

/// Runs `f` on the elements of a device buffer staged in pinned memory, then copies them back.
fn with_staged_mut<T, D, R>(device: &mut D, f: impl FnOnce(&mut [T]) -> R) -> R
where
    T: Element + DeviceRepr,
    D: DevicePtr<T> + DevicePtrMut<T>,
{
    let mut pinned = stage_in::<T, D>(device);
    let result = f(&mut pinned);
    stage_out(&pinned, device);
    result
}

fn flat_block_len(len: usize, parts: usize) -> Result<usize, String> {
    if parts > 0 && len.is_multiple_of(parts) {
        Ok(len / parts)
    } else {
        Err(format!(
            "the device buffer has {len} elements, which is not a multiple of the {parts} ranks"
        ))
    }
}

/// `Buffer` for device memory an op reads: results are new `CudaSlice`s on the same stream
/// (flat, like results of host slices).
macro_rules! device_readable {
    ($($ty:ty),*) => {$(
        // SAFETY: the impls below count the device buffer's elements and stage exactly that
        // many through host memory.
        unsafe impl<T: Element + DeviceRepr> crate::buffer::sealed::Sealed for $ty {}

        impl<T: Element + DeviceRepr> Buffer for $ty {
            type Elem = T;
            type Owned = CudaSlice<T>;
            /// The stream results are copied into new device memory on.
            type Shape = Arc<CudaStream>;
            fn elements(&self) -> Elements<'_, T> {
                Elements::Pinned(stage_in(self))
            }
            #[inline]
            fn element_count(&self) -> usize {
                DeviceSlice::len(self)
            }
            fn shape_of(&self) -> Arc<CudaStream> {
                DeviceSlice::stream(self).clone()
            }
            fn owned_from_shape(stream: &Arc<CudaStream>, data: Vec<T>) -> CudaSlice<T> {
                upload(stream, &data)
            }
        }
    )*};
}

device_readable!(CudaSlice<T>, CudaView<'_, T>, CudaViewMut<'_, T>);

/// `Stackable` and `Splittable` for device slices and views (not for mutable views, which ops
/// that gather or split have no use for).
macro_rules! device_buffer {
    ($($ty:ty),*) => {$(
        impl<T: Element + DeviceRepr> Stackable for $ty {
            type Stacked = CudaSlice<T>;
            fn stacked_from_shape(
                stream: &Arc<CudaStream>,
                _parts: usize,
                data: Vec<T>,
            ) -> CudaSlice<T> {
                upload(stream, &data)
            }
        }

        impl<T: Element + DeviceRepr> Splittable for $ty {
            type Block = CudaSlice<T>;
            fn block_len(&self, parts: usize) -> Result<usize, String> {
                flat_block_len(DeviceSlice::len(self), parts)
            }
            fn block_from_shape(
                stream: &Arc<CudaStream>,
                _parts: usize,
                data: Vec<T>,
            ) -> CudaSlice<T> {
                upload(stream, &data)
            }
        }
    )*};
}

device_buffer!(CudaSlice<T>, CudaView<'_, T>);

/// In-place ops and `_into` ops on device memory: staged, run, copied back.
macro_rules! device_buffer_mut {
    ($($ty:ty),*) => {$(
        impl<T: Element + DeviceRepr> BufferMut for $ty {
            type Elem = T;
            #[inline]
            fn element_count(&self) -> usize {
                DeviceSlice::len(self)
            }
            fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [T]) -> R) -> R {
                with_staged_mut(self, f)
            }
        }
    )*};
}

device_buffer_mut!(CudaSlice<T>, CudaViewMut<'_, T>);
