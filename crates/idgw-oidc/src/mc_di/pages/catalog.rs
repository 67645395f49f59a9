//! Every string of the operator's pages, per language. `{client}` and `{digits}` are filled in
//! (escaped) by the pages.

/// The strings of one language.
#[derive(Debug)]
pub struct Catalog {
    /// BCP 47 tag, for `<html lang>`.
    pub lang: &'static str,
    pub title_phone: &'static str,
    pub intro: &'static str,
    pub phone_label: &'static str,
    pub phone_help: &'static str,
    pub phone_invalid: &'static str,
    pub submit: &'static str,
    pub title_wait: &'static str,
    pub wait_sent: &'static str,
    pub wait_pin: &'static str,
    pub wait_confirm: &'static str,
    pub binding: &'static str,
    pub waiting: &'static str,
    pub done: &'static str,
    pub no_script: &'static str,
    pub title_error: &'static str,
    pub error_intro: &'static str,
    pub error_code: &'static str,
    pub gone: &'static str,
}

pub const EN: Catalog = Catalog {
    lang: "en",
    title_phone: "Sign in with Mobile Connect",
    intro: "{client} asks you to sign in with your mobile phone.",
    phone_label: "Mobile number",
    phone_help: "In international format, for example +44 7700 900001.",
    phone_invalid: "This is not a mobile number in international format.",
    submit: "Continue",
    title_wait: "Check your phone",
    wait_sent: "We sent a request to your phone ending in {digits}.",
    wait_pin: "Enter your SIM PIN on your phone to confirm.",
    wait_confirm: "Confirm the request on your phone.",
    binding: "Your phone shows this reference. Check that it matches:",
    waiting: "Waiting for your answer.",
    done: "Answer received. Returning to the service.",
    no_script: "This page refreshes by itself every few seconds.",
    title_error: "This sign-in request cannot be completed",
    error_intro: "The service that sent you here made a request that cannot be answered. Go back to it and try again.",
    error_code: "Error",
    gone: "This sign-in has already ended, or it was started in another browser.",
};

pub const DE: Catalog = Catalog {
    lang: "de",
    title_phone: "Mit Mobile Connect anmelden",
    intro: "{client} bittet Sie, sich mit Ihrem Mobiltelefon anzumelden.",
    phone_label: "Mobilfunknummer",
    phone_help: "Im internationalen Format, zum Beispiel +49 151 23456789.",
    phone_invalid: "Das ist keine Mobilfunknummer im internationalen Format.",
    submit: "Weiter",
    title_wait: "Sehen Sie auf Ihr Telefon",
    wait_sent: "Wir haben eine Anfrage an Ihr Telefon mit der Endung {digits} gesendet.",
    wait_pin: "Geben Sie zur Bestätigung Ihre SIM-PIN auf dem Telefon ein.",
    wait_confirm: "Bestätigen Sie die Anfrage auf Ihrem Telefon.",
    binding: "Ihr Telefon zeigt diese Referenz. Prüfen Sie, ob sie übereinstimmt:",
    waiting: "Wir warten auf Ihre Antwort.",
    done: "Antwort erhalten. Sie werden zum Dienst zurückgeleitet.",
    no_script: "Diese Seite aktualisiert sich alle paar Sekunden von selbst.",
    title_error: "Diese Anmeldeanfrage kann nicht ausgeführt werden",
    error_intro: "Der Dienst, der Sie hierher geschickt hat, hat eine Anfrage gestellt, die nicht beantwortet werden kann. Kehren Sie zu ihm zurück und versuchen Sie es erneut.",
    error_code: "Fehler",
    gone: "Diese Anmeldung ist bereits beendet oder wurde in einem anderen Browser begonnen.",
};
