//! The Scan & Go page, phone-sized and self-contained (inline CSS, no external asset, no JavaScript needed):
//! choose one of the sample prescriptions (standing in for the photograph), review its lines as POSOS read
//! them, press Import. Links and forms are relative to `/posos/scan`, so the page works under any public URL.
//!
//! After an import the page reports it as POSOS documents for partners: its URL ends in `#success` or
//! `#error`, and a few lines of inline JavaScript post `{status, prescription}` to the window that opened it
//! (popup) or embeds it (iframe). Every text from outside (names from the scan-token call, fixture text) is
//! escaped.

use super::fixtures::{FixtureLine, PososCatalog, ScanFixture};
use super::state::{Import, PageRefusal, Session};
use crate::posos::scan::LOW_RELIABILITY;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}\
main{max-width:28rem;margin:0 auto;padding:1rem}h1{font-size:1.3rem;margin:.2rem 0 1rem}\
.brand{font-weight:700;color:#3b5bdb;letter-spacing:.05em}.card{background:#fff;border-radius:.6rem;\
padding:.8rem 1rem;margin:.7rem 0;box-shadow:0 1px 2px #0002}.muted{color:#5c6b7a;font-size:.9rem}\
button{width:100%;font-size:1.05rem;padding:.8rem;border:0;border-radius:.5rem;background:#3b5bdb;color:#fff;\
margin:.3rem 0}button.alt{background:#e7ebf0;color:#1d2733}.low{color:#b3261e;font-weight:600}\
.ok{color:#2b8a3e;font-weight:600}.line{border-top:1px solid #e7ebf0;padding:.6rem 0}.line:first-child{border:0}\
.read{font-size:1.1rem;font-weight:600}a{color:#3b5bdb}";

fn document(title: &str, body: &str, script: Option<&str>) -> String {
    let script = script.map(|script| format!("<script>{script}</script>")).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · Scan &amp; Go</title>\
         <style>{STYLE}</style></head><body><main><div class=\"brand\">POSOS Scan &amp; Go · sandbox</div>\
         {body}</main>{script}</body></html>",
        title = escape(title)
    )
}

fn greeting(session: &Session) -> String {
    format!("<p class=\"muted\">Paciente: <b>{} {}</b></p>", escape(&session.first_name), escape(&session.last_name))
}

fn chooser(token: &str, catalog: &PososCatalog) -> String {
    let mut html = String::from("<div class=\"card\"><p>Elija la receta a fotografiar (recetas de muestra):</p>");
    for fixture in &catalog.prescriptions {
        html.push_str(&format!(
            "<form method=\"get\" action=\"scan\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <input type=\"hidden\" name=\"prescription\" value=\"{slug}\"><button class=\"alt\">{title}</button></form>",
            token = escape(token),
            slug = escape(&fixture.slug),
            title = escape(&fixture.title),
        ));
    }
    html.push_str("</div>");
    html
}

/// Step 1: choose a prescription.
pub(crate) fn choose(token: &str, session: &Session, catalog: &PososCatalog) -> String {
    let body = format!("<h1>Escanear una receta</h1>{}{}", greeting(session), chooser(token, catalog));
    document("Escanear una receta", &body, None)
}

fn line_html(line: &FixtureLine) -> String {
    let recognised = match (&line.display, &line.gtin) {
        (Some(display), Some(gtin)) => {
            format!("Reconocido: {} <span class=\"muted\">(GTIN {})</span>", escape(display), escape(gtin))
        }
        _ => "<span class=\"low\">No reconocido</span>".to_owned(),
    };
    let percent = (line.reliability * 100.0).round();
    let reliability = if line.reliability < LOW_RELIABILITY {
        format!("<span class=\"low\">Fiabilidad {percent} %: lectura dudosa, verifique</span>")
    } else {
        format!("<span class=\"ok\">Fiabilidad {percent} %</span>")
    };
    let days = line.duration_days.map(|days| format!(" · {days} días")).unwrap_or_default();
    format!(
        "<div class=\"line\"><div class=\"read\">{text}</div><div>{recognised}</div>\
         <div class=\"muted\">Escrito: «{posology}»</div><div>{dosage}</div>\
         <div class=\"muted\">{quantity} {unit}{days}</div><div>{reliability}</div></div>",
        text = escape(&line.text),
        posology = escape(&line.posology),
        dosage = escape(&line.dosage),
        quantity = line.quantity,
        unit = escape(&line.unit),
    )
}

/// Step 2: the lines as read, and Import.
pub(crate) fn review(token: &str, session: &Session, fixture: &ScanFixture) -> String {
    let prescriber = fixture
        .prescriber
        .as_ref()
        .map(|p| format!("<p class=\"muted\">{} · {}</p>", escape(&p.name), escape(&p.license)))
        .unwrap_or_default();
    let lines = if fixture.lines.is_empty() {
        "<p class=\"muted\">La foto se enviará a POSOS tal como está.</p>".to_owned()
    } else {
        fixture.lines.iter().map(line_html).collect()
    };
    let body = format!(
        "<h1>{title}</h1>{greeting}<div class=\"card\">{prescriber}{lines}</div>\
         <form method=\"post\" action=\"scan/import\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"prescription\" value=\"{slug}\"><button>Importar / Import</button></form>\
         <p><a href=\"scan?token={token}\">Elegir otra receta</a></p>",
        title = escape(&fixture.title),
        greeting = greeting(session),
        token = escape(token),
        slug = escape(&fixture.slug),
    );
    document("Revisar la receta", &body, None)
}

/// What the page tells the window that opened or embeds it, as POSOS does.
fn notify(status: &str, import: Option<&Import>) -> String {
    let message = match import {
        Some(import) => serde_json::json!({
            "status": status,
            "prescription": { "resourceType": "RequestGroup", "id": import.id },
        }),
        None => serde_json::json!({ "status": status }),
    };
    // JSON of these values holds no `<`; escaping it anyway keeps `</script>` impossible.
    let message = message.to_string().replace('<', "\\u003c");
    let hash = if status == "success" { "#success" } else { "#error" };
    format!(
        "(function(){{var m={message};var t=window.opener||(window.parent!==window?window.parent:null);\
         if(t){{t.postMessage(m,\"*\");}}if(location.hash!==\"{hash}\"){{history.replaceState(null,\"\",\"{hash}\");}}}})();"
    )
}

/// The prescription is in: the lines went to the pharmacy's software.
pub(crate) fn imported(session: &Session, fixture: &ScanFixture, import: &Import) -> String {
    let lines: String = fixture.lines.iter().map(|line| format!("<li>{}</li>", escape(&line.text))).collect();
    let body = format!(
        "<h1>Receta importada</h1>{greeting}<div class=\"card\"><p class=\"ok\">Enviada a la farmacia.</p>\
         <ul>{lines}</ul></div><p class=\"muted\">Puede cerrar esta página.</p>",
        greeting = greeting(session)
    );
    document("Receta importada", &body, Some(&notify("success", Some(import))))
}

/// The import failed: why, and the choice again.
pub(crate) fn failed(token: &str, session: &Session, fixture: &ScanFixture, catalog: &PososCatalog) -> String {
    let why = fixture.failure.as_deref().unwrap_or("No se pudo leer la receta.");
    let body = format!(
        "<h1>No se pudo importar</h1>{greeting}<div class=\"card\"><p class=\"low\">{why}</p>\
         <p class=\"muted\">Tome otra foto o elija otra receta.</p></div>{chooser}",
        greeting = greeting(session),
        why = escape(why),
        chooser = chooser(token, catalog),
    );
    document("No se pudo importar", &body, Some(&notify("error", None)))
}

/// A link that no longer (or never) opens a session, or a prescription that does not exist.
pub(crate) fn refused(refusal: PageRefusal) -> String {
    let (title, text) = match refusal {
        PageRefusal::NoToken => ("Falta el enlace", "Abra la página desde el enlace o el código QR del mostrador."),
        PageRefusal::NotAForm => ("Envío no válido", "Importe desde el botón de la página."),
        PageRefusal::UnknownToken => ("Enlace no válido", "Este enlace no abre ninguna sesión de escaneo."),
        PageRefusal::Expired => ("Enlace vencido", "Este enlace venció. Pida en el mostrador uno nuevo."),
        PageRefusal::UnknownPrescription => ("Receta desconocida", "Esa receta de muestra no existe."),
    };
    document(title, &format!("<h1>{title}</h1><div class=\"card\"><p>{text}</p></div>"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_outside_cannot_become_markup() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        let notice = notify("success", None);
        assert!(notice.contains(r#"{"status":"success"}"#) && notice.contains("#success"), "{notice}");
    }
}
