//! The pre-authorization calls of contract §10: ask a sponsor to cover products, attach the indication,
//! complete, read. Every write is keyed, so a lost reply is retried without asking twice; the request stays
//! `PENDING_INDICATION` until it is completed, which makes a retried create-then-complete safe as well.

use reqwest::Method;

use super::OsiguClient;
use super::api::segment;
use super::send::Call;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    AuthorizationRequest, CompleteAuthorizationRequest, Id, Indication, NewAuthorizationRequest, NewIndication,
};

const REQUESTS: &str = "/arc/v1/authorization-requests";

impl OsiguClient {
    /// `POST /arc/v1/authorization-requests`: a new request, `PENDING_INDICATION`.
    pub async fn request_authorization(
        &self,
        request: &NewAuthorizationRequest,
        key: &IdempotencyKey,
    ) -> Result<AuthorizationRequest, ClientError> {
        self.inner.call(Call::with_json(Method::POST, REQUESTS, request)?.keyed(key)).await
    }

    /// `POST …/{id}/indications`: attaches the medical indication (a POSOS transcription, say).
    pub async fn add_indication(
        &self,
        id: &Id,
        indication: &NewIndication,
        key: &IdempotencyKey,
    ) -> Result<Indication, ClientError> {
        let path = format!("{REQUESTS}/{}/indications", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, indication)?.keyed(key)).await
    }

    /// `POST …/{id}/complete`: sends the request to the sponsor; the reply is APPROVED or REJECTED (a SYNC
    /// sponsor) or PENDING_SPONSOR (an ASYNC one: poll [`OsiguClient::authorization_request`] or wait for
    /// `authorization.created` / `authorization.rejected`).
    pub async fn complete_authorization_request(
        &self,
        id: &Id,
        key: &IdempotencyKey,
    ) -> Result<AuthorizationRequest, ClientError> {
        let path = format!("{REQUESTS}/{}/complete", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, &CompleteAuthorizationRequest {})?.keyed(key)).await
    }

    /// `GET …/{id}`: the request as it stands, with its authorizations once approved.
    pub async fn authorization_request(&self, id: &Id) -> Result<AuthorizationRequest, ClientError> {
        self.inner.call(Call::get(&format!("{REQUESTS}/{}", segment(id)))).await
    }
}
