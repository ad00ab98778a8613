//! Fresh codes and the codes' own state, asked of the sandbox outside the counter: prescriptions issued through
//! its ePrescription API (contract §7; the Osigu client has no EHR calls, so this speaks HTTP itself), the OTP
//! outbox as a fallback to the broadcast, and what an authorization has claimed (a start read, then cancelled).

use std::collections::BTreeMap;

use mostrador::osigu::client::OsiguClient;
use mostrador::osigu::error::IdempotencyKey;
use mostrador::osigu::model::{CancelRequest, ErrorCode, StartRequest};
use serde_json::{Value, json};

use crate::driver::unique;

/// Products of the sandbox's registry a prescription may name (assets/sandbox/products.toml).
const PRODUCTS: [&str; 6] = ["MED-042", "MED-043", "MED-107", "MED-215", "MED-611", "MED-501"];

/// A plain HTTP client of the sandbox with the demo client's token.
pub struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Raw {
    pub async fn connect(base: &str) -> Self {
        let http = mostrador::http::client_builder().build().expect("http client");
        let token = mostrador::test_support::driver::demo_token(base).await;
        Self { http, base: base.to_owned(), token }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let reply = request.bearer_auth(&self.token).send().await.expect("sandbox request");
        let status = reply.status().as_u16();
        let body = reply.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }
}

/// A prescription issued for the run.
#[derive(Clone, Debug)]
pub struct Issued {
    pub prescription_id: String,
    pub code: String,
}

/// Issues `count` prescriptions for one new patient, each with one to three medications.
pub async fn prescriptions(raw: &Raw, lane: usize, count: usize, rng: &mut impl rand::Rng) -> Vec<Issued> {
    use rand::RngExt;
    let (status, patient) = raw
        .post(
            "/ehr/v1/patients",
            json!({ "first_name": "Caos", "last_name": format!("Prueba {lane}"), "document_type": "DPI",
                    "document_number": format!("99{lane:02}{}", &unique()[..6]), "date_of_birth": "1980-01-31",
                    "phone": "+50255550000" }),
        )
        .await;
    assert_eq!(status, 201, "new patient: {patient}");
    let mut issued = Vec::with_capacity(count);
    for n in 0..count {
        let mut products = PRODUCTS.to_vec();
        rand::seq::SliceRandom::shuffle(products.as_mut_slice(), rng);
        let lines = rng.random_range(1..=3);
        let medications: Vec<Value> = products[..lines]
            .iter()
            .map(|code| json!({ "product_code": code, "quantity": rng.random_range(1..=30), "posology": "1 cada 8 h" }))
            .collect();
        // Both issuing endpoints a counter meets: v1, and v1.1 with the patient's consent.
        let (path, consent) =
            if n % 2 == 0 { ("/ehr/v1/prescriptions", None) } else { ("/ehr/v1.1/prescriptions", Some(true)) };
        let mut body = json!({ "patient_id": patient["patient_id"], "diagnoses": [{ "diagnosis_code": "R51" }],
                               "medications": medications });
        if let Some(consent) = consent {
            body["patient_data_consent"] = json!(consent);
        }
        let (status, reply) = raw.post(path, body).await;
        assert_eq!(status, 201, "issue a prescription: {reply}");
        issued.push(Issued {
            prescription_id: reply["prescription_id"].as_str().expect("prescription_id").to_owned(),
            code: reply["prescription_code"].as_str().expect("prescription_code").to_owned(),
        });
    }
    issued
}

/// What a prescription's items have had dispensed, by line id.
pub async fn dispensed(raw: &Raw, issued: &Issued) -> BTreeMap<String, u32> {
    let (status, detail) = raw.get(&format!("/ehr/v1/prescriptions/{}", issued.prescription_id)).await;
    assert_eq!(status, 200, "prescription detail: {detail}");
    detail["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let id = item["id"].as_str().expect("item id").to_owned();
            (id, item["dispensed_quantity"].as_u64().expect("dispensed_quantity") as u32)
        })
        .collect()
}

/// An authorization's lines as the server counts them: (authorized, claimed) by line id.
pub type Claims = BTreeMap<String, (u32, u32)>;

/// Reads what `code` has claimed by starting a dispensation on it and cancelling it at once. `known` gives the
/// authorized quantities for a code that is fully claimed (its start is refused as redeemed); `beneficiary` is
/// sent for a sponsor that identifies the beneficiary first. Returns the claims
/// and the id of the probe's dispensation, or why the code could not be read.
pub async fn claims(
    client: &OsiguClient,
    code: &str,
    beneficiary: Option<&str>,
    known: Option<&Claims>,
) -> Result<(Claims, String), String> {
    let beneficiary_id = beneficiary.map(mostrador::osigu::model::Id::new);
    let request = StartRequest { code: code.to_owned(), beneficiary_id, currency_code: None };
    let key = IdempotencyKey::new(format!("chaos-probe-{code}-{}", unique()));
    match client.start(&request, &key).await {
        Ok(dispensation) => {
            let claims = dispensation
                .products
                .iter()
                .map(|line| {
                    let id = line.id.as_ref().map(|id| id.as_str().to_owned()).unwrap_or_default();
                    (id, (line.authorized_quantity.unwrap_or(0), line.claimed_quantity.unwrap_or(0)))
                })
                .collect();
            let cancel = CancelRequest { reason: Some("chaos probe".to_owned()) };
            let key = IdempotencyKey::new(format!("chaos-probe-cancel-{}", unique()));
            client.cancel(&dispensation.dispensation_id, &cancel, &key).await.map_err(|e| format!("cancel: {e}"))?;
            Ok((claims, dispensation.dispensation_id.as_str().to_owned()))
        }
        Err(error) if error.code() == Some(&ErrorCode::CodeAlreadyRedeemed) => match known {
            Some(known) => Ok((
                known.iter().map(|(id, (authorized, _))| (id.clone(), (*authorized, *authorized))).collect(),
                String::new(),
            )),
            None => Err(format!("{code} is already redeemed")),
        },
        Err(error) => Err(format!("{code}: {error}")),
    }
}
