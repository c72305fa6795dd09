//! What is emitted when the input cannot be analysed: the item as it was, plus the errors, so the
//! rest of the crate still type-checks and the user's IDE keeps working.

use proc_macro2::TokenStream;
use quote::quote;

/// The item unchanged, followed by `errors` (`compile_error!` invocations).
pub(crate) fn emit(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote! {
        #item
        #errors
    }
}

/// The error for an item that is not a function with a body.
pub(crate) fn not_a_function(item: &TokenStream) -> syn::Error {
    let what = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(_)) => "a struct",
        Ok(syn::Item::Enum(_)) => "an enum",
        Ok(syn::Item::Impl(_)) => "an `impl` block",
        Ok(syn::Item::Trait(_)) => "a trait",
        Ok(syn::Item::Mod(_)) => "a module",
        Ok(syn::Item::Const(_) | syn::Item::Static(_)) => "a constant",
        Ok(_) => "this item",
        Err(_) if syn::parse2::<syn::TraitItemFn>(item.clone()).is_ok() => {
            "a function without a body"
        }
        Err(_) => "this item",
    };
    syn::Error::new_spanned(
        item,
        format!(
            "`#[spmd_jit]` cannot be applied to {what}: put it on a function with a body \
             (a free function or a method in an `impl` block)"
        ),
    )
}
