//! `#[derive(spmd::Element)]`: makes a `#[repr(C)]` struct of elements an element, with the
//! MPI datatype of its fields.
//!
//! The expansion implements the runtime's `unsafe` trait `StructElement`, whose contract it
//! proves: every field's type must be a `Field` (an element or an array of elements, checked by
//! the compiler through the trait bounds it writes), its offset is taken with `offset_of!`, and
//! the all-zero value is built field by field. Then it implements `Element`, which requires
//! that trait: a hand-written `impl Element` without the derive does not compile.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, GenericParam, Type};

/// Expands the derive on `input`, or gives the errors that refuse it.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input).and_then(|input| derive(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(data) => {
            return Err(Error::new(
                data.enum_token.span(),
                "`spmd::Element` cannot be derived for an enum: not every bit pattern of its \
                 size is a value, and MPI has no datatype for its variants; send a struct, or \
                 the discriminant as an integer",
            ));
        }
        Data::Union(data) => {
            return Err(Error::new(
                data.union_token.span(),
                "`spmd::Element` cannot be derived for a union: which field holds the value is \
                 unknown to MPI; send a struct",
            ));
        }
    };
    check_repr(input)?;
    if let Some(lifetime) = input.generics.lifetimes().next() {
        return Err(Error::new(
            lifetime.span(),
            "an element cannot borrow: a struct that derives `spmd::Element` is plain data, \
             without references or lifetime parameters",
        ));
    }
    let fields: Vec<(TokenStream, &Type)> = match &data.fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| (f.ident.to_token_stream(), &f.ty))
            .collect(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| (syn::Index::from(i).to_token_stream(), &f.ty))
            .collect(),
        Fields::Unit => Vec::new(),
    };
    if fields.is_empty() {
        return Err(Error::new(
            name.span(),
            "a struct that derives `spmd::Element` needs at least one field: MPI has no \
             datatype for an empty one",
        ));
    }
    for (_, ty) in &fields {
        check_plain(ty)?;
    }

    let krate = quote!(::spmd);
    let private = quote!(#krate::__private::element);
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    for (_, ty) in &fields {
        predicates.push(quote_spanned!(ty.span()=> #ty: #private::Field));
    }
    let self_ty = quote!(#name #ty_generics);

    let zero_fields = fields
        .iter()
        .map(|(member, ty)| quote_spanned!(ty.span()=> #member: <#ty as #private::Field>::ZERO));
    let any_bits_valid = fields
        .iter()
        .map(|(_, ty)| quote_spanned!(ty.span()=> <#ty as #private::Field>::ANY_BITS_VALID));
    let wire_sizes = fields
        .iter()
        .map(|(_, ty)| quote_spanned!(ty.span()=> <#ty as #private::Field>::WIRE_SIZE));
    let field_layouts = fields.iter().map(|(member, ty)| {
        quote_spanned! {ty.span()=>
            #private::FieldLayout::of::<#ty>(::core::mem::offset_of!(#self_ty, #member))
        }
    });
    let generic = input
        .generics
        .params
        .iter()
        .any(|p| matches!(p, GenericParam::Type(_) | GenericParam::Const(_)));
    let display = if generic {
        let params = input.generics.params.iter().map(|p| match p {
            GenericParam::Type(t) => t.ident.to_string(),
            GenericParam::Const(c) => c.ident.to_string(),
            GenericParam::Lifetime(l) => l.lifetime.to_string(),
        });
        format!("{name}<{}>", params.collect::<Vec<_>>().join(", "))
    } else {
        name.to_string()
    };
    let build = quote! {
        #private::Layout::build::<#self_ty>(#display, &[#(#field_layouts),*])
    };
    let layout = if generic {
        quote!(#private::Layout::cached::<#self_ty>(|| #build))
    } else {
        quote! {
            static LAYOUT: ::std::sync::OnceLock<#private::Layout> = ::std::sync::OnceLock::new();
            LAYOUT.get_or_init(|| #build)
        }
    };

    Ok(quote! {
        // SAFETY: every field's type is a `Field` (the bounds below), `ZERO` has every field
        // zero, and the layout is built from exactly the fields and their `offset_of!` offsets.
        unsafe impl #impl_generics #private::StructElement for #self_ty
        where #(#predicates),*
        {
            const ZERO: Self = #name { #(#zero_fields),* };
            const ANY_BITS_VALID: bool = true #(&& #any_bits_valid)*;
            const WIRE_SIZE: usize = {
                let size = 0 #(+ #wire_sizes)*;
                ::core::assert!(
                    size > 0,
                    "a struct that derives `spmd::Element` must hold data: all its fields are empty"
                );
                size
            };
            fn layout() -> &'static #private::Layout {
                #layout
            }
        }

        impl #impl_generics #krate::Element for #self_ty
        where #(#predicates),*
        {
            const NAME: &'static str = #display;
            #[inline]
            fn datatype() -> #krate::mpi::ffi::MPI_Datatype {
                <Self as #private::StructElement>::layout().datatype()
            }
        }

        // One struct is a buffer of one element, as a number is (`send(&particle, ..)`).
        // SAFETY: the impls below give the struct as a slice of one, 1 as the count.
        unsafe impl #impl_generics #private::BufferSealed for #self_ty
        where #(#predicates),*
        {
        }

        impl #impl_generics #krate::Buffer for #self_ty
        where #(#predicates),*
        {
            type Elem = Self;
            type Owned = Self;
            type Shape = ();
            #[inline]
            fn elements(&self) -> #krate::Elements<'_, Self> {
                #krate::Elements::Borrowed(::core::slice::from_ref(self))
            }
            #[inline]
            fn with_elements<R>(&self, f: impl ::core::ops::FnOnce(&[Self]) -> R) -> R {
                f(::core::slice::from_ref(self))
            }
            #[inline]
            fn element_count(&self) -> usize {
                1
            }
            #[inline]
            fn shape_of(&self) {}
            #[inline]
            fn owned_from_shape(_: &(), data: ::std::vec::Vec<Self>) -> Self {
                ::core::iter::IntoIterator::into_iter(data)
                    .next()
                    .expect("a buffer of one struct is made of one element")
            }
        }

        impl #impl_generics #krate::Stackable for #self_ty
        where #(#predicates),*
        {
            type Stacked = ::std::vec::Vec<Self>;
            #[inline]
            fn stacked_from_shape(
                _: &(),
                _parts: usize,
                data: ::std::vec::Vec<Self>,
            ) -> ::std::vec::Vec<Self> {
                data
            }
        }

        impl #impl_generics #krate::BufferMut for #self_ty
        where #(#predicates),*
        {
            type Elem = Self;
            #[inline]
            fn element_count(&self) -> usize {
                1
            }
            #[inline]
            fn with_elements_mut<R>(&mut self, f: impl ::core::ops::FnOnce(&mut [Self]) -> R) -> R {
                f(::core::slice::from_mut(self))
            }
        }
    })
}

/// Requires `#[repr(C)]` (with `align(N)` allowed) and refuses `packed`.
fn check_repr(input: &DeriveInput) -> syn::Result<()> {
    let mut c = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") {
                c = true;
            } else if meta.path.is_ident("packed") {
                return Err(meta.error(
                    "a struct that derives `spmd::Element` cannot be `packed`: its fields must \
                     lie at their natural alignment",
                ));
            } else if meta.input.peek(syn::token::Paren) {
                let _: TokenStream = meta.input.parse::<proc_macro2::Group>()?.stream();
            }
            Ok(())
        })?;
    }
    if c {
        Ok(())
    } else {
        Err(Error::new(
            input.ident.span(),
            "a struct that derives `spmd::Element` needs `#[repr(C)]`: its fields must lie in \
             the order and at the offsets C gives them, the same in every program that sends or \
             receives it",
        ))
    }
}

/// Refuses references, raw pointers and function pointers with a message of their own (the
/// trait bounds would refuse them too, less plainly).
fn check_plain(ty: &Type) -> syn::Result<()> {
    match ty {
        Type::Reference(_) | Type::Ptr(_) | Type::BareFn(_) => Err(Error::new(
            ty.span(),
            "a field of a struct that derives `spmd::Element` cannot be a reference or a \
             pointer: an address means nothing on another rank; send the data itself",
        )),
        Type::Array(array) => check_plain(&array.elem),
        Type::Paren(inner) => check_plain(&inner.elem),
        Type::Group(inner) => check_plain(&inner.elem),
        _ => Ok(()),
    }
}
