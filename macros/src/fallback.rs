//! What is emitted when the input cannot be analysed: the item as it was, plus the errors, so the
//! rest of the crate still type-checks and the user's IDE keeps working.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// The item unchanged, followed by `errors` (`compile_error!` invocations).
pub(crate) fn emit(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote! {
        #item
        #errors
    }
}

/// The error for an item that is not a function with a body.
pub(crate) fn not_a_function(item: &TokenStream) -> syn::Error {
    use syn::Item;
    // Point at the item's keyword and name, not at the whole item.
    let (what, at) = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(s)) => ("a struct", pair(&s.struct_token, &s.ident)),
        Ok(Item::Enum(e)) => ("an enum", pair(&e.enum_token, &e.ident)),
        Ok(Item::Impl(i)) => ("an `impl` block", pair(&i.impl_token, &i.self_ty)),
        Ok(Item::Trait(t)) => ("a trait", pair(&t.trait_token, &t.ident)),
        Ok(Item::Mod(m)) => ("a module", pair(&m.mod_token, &m.ident)),
        Ok(Item::Const(c)) => ("a constant", pair(&c.const_token, &c.ident)),
        Ok(Item::Static(s)) => ("a static", pair(&s.static_token, &s.ident)),
        Ok(_) => ("this item", item.clone()),
        Err(_) => match syn::parse2::<syn::TraitItemFn>(item.clone()) {
            Ok(f) => ("a function without a body", f.sig.to_token_stream()),
            Err(_) => ("this item", item.clone()),
        },
    };
    syn::Error::new_spanned(
        at,
        format!(
            "`#[spmd_jit]` cannot be applied to {what}: put it on a function with a body \
             (a free function or a method in an `impl` block)"
        ),
    )
}

fn pair(first: &impl ToTokens, second: &impl ToTokens) -> TokenStream {
    let mut tokens = first.to_token_stream();
    second.to_tokens(&mut tokens);
    tokens
}
