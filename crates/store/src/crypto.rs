//! Field encryption of personal data (ID-card numbers, phone numbers) and blind indexes.
//!
//! Values are encrypted with SM4-GCM (the generic GCM of `aes-gcm` over the SM4 block cipher) with
//! a random nonce per value: `version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`. Exact lookup and
//! duplicate detection use a blind index, HMAC-SM3 of the normalized value under a second key.
//! The keys live outside the database (a file in the data directory, readable by the service
//! user only, or the `JICENG_FIELD_KEY` environment variable); a copy of the database alone
//! reveals neither the numbers nor, without the index key, a way to test guesses.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use hmac::{Hmac, Mac};
use rand::RngCore;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// The format version stored as the first byte of every ciphertext.
const VERSION: u8 = 1;

/// Why a stored value could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key text is not 96 hexadecimal digits.
    #[error("字段加密密钥格式错误：应为96位十六进制字符")]
    BadKey,
    /// The stored value is damaged, or was encrypted with another key.
    #[error("加密数据无法解密（数据损坏或密钥不符）")]
    Undecryptable,
}

/// The two field keys: SM4 for encryption, HMAC-SM3 for the blind index.
#[derive(Clone)]
pub struct FieldKeys {
    enc: [u8; 16],
    idx: [u8; 32],
    /// The cipher with its key schedule, made once.
    cipher: Sm4Gcm,
    /// HMAC-SM3 keyed with `idx` (its inner and outer key blocks hashed once); cloned per value.
    mac: Hmac<sm3::Sm3>,
}

impl std::fmt::Debug for FieldKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldKeys(…)")
    }
}

impl FieldKeys {
    /// Fresh random keys.
    pub fn generate() -> FieldKeys {
        let mut rng = rand::rng();
        let mut enc = [0u8; 16];
        let mut idx = [0u8; 32];
        rng.fill_bytes(&mut enc);
        rng.fill_bytes(&mut idx);
        FieldKeys::new(enc, idx)
    }

    fn new(enc: [u8; 16], idx: [u8; 32]) -> FieldKeys {
        // HMAC pads a key shorter than the hash's block (64 bytes) with zeros.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&idx);
        let mac = <Hmac<sm3::Sm3> as hmac::KeyInit>::new(&block.into());
        FieldKeys { enc, idx, cipher: Sm4Gcm::new(&enc.into()), mac }
    }

    /// Keys from their text form (96 hexadecimal digits: 32 for SM4, 64 for the index key).
    pub fn from_hex(text: &str) -> Result<FieldKeys, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 48 {
            return Err(CryptoError::BadKey);
        }
        let mut enc = [0u8; 16];
        let mut idx = [0u8; 32];
        enc.copy_from_slice(&bytes[..16]);
        idx.copy_from_slice(&bytes[16..]);
        Ok(FieldKeys::new(enc, idx))
    }

    /// The text form, for the key file.
    pub fn to_hex(&self) -> String {
        let mut all = Vec::with_capacity(48);
        all.extend_from_slice(&self.enc);
        all.extend_from_slice(&self.idx);
        hex::encode(all)
    }

    /// Encrypt a value.
    pub fn encrypt(&self, plain: &str) -> Vec<u8> {
        let cipher = &self.cipher;
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail; an empty result would only make the
        // value undecryptable, never wrong.
        let ct = cipher.encrypt(&nonce.into(), plain.as_bytes()).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypt a value written by [`FieldKeys::encrypt`].
    pub fn decrypt(&self, data: &[u8]) -> Result<String, CryptoError> {
        if data.len() < 1 + 12 + 16 || data[0] != VERSION {
            return Err(CryptoError::Undecryptable);
        }
        let cipher = &self.cipher;
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&data[1..13]);
        let plain = cipher.decrypt(&nonce.into(), &data[13..]).map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Undecryptable)
    }

    /// The blind index of a normalized value, for exact lookup: HMAC-SM3 truncated to its first
    /// 128 bits ([`BLIND_INDEX_BYTES`]), in hex. Half the length of the full MAC keeps the
    /// member table and its two lookup indexes smaller (every new member is written into both),
    /// and 128 bits are far more than an exact lookup among a province's members needs.
    pub fn blind_index(&self, normalized: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(normalized.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..BLIND_INDEX_BYTES])
    }
}

/// The bytes of HMAC-SM3 a blind index keeps (32 hexadecimal digits).
pub const BLIND_INDEX_BYTES: usize = 16;

/// A stored blind index as [`FieldKeys::blind_index`] writes it now: indexes written in full
/// (64 digits, before migration `m0010`, kept in the undo records of earlier imports) are cut
/// to their first 128 bits, which is what the same value's index is today.
pub(crate) fn current_blind_index(stored: &str) -> &str {
    stored.get(..BLIND_INDEX_BYTES * 2).unwrap_or(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = FieldKeys::generate();
        let c = k.encrypt("11010519491231002X");
        assert_eq!(k.decrypt(&c).unwrap(), "11010519491231002X");
        assert_ne!(k.encrypt("x"), k.encrypt("x"), "random nonce per value");
        let mut bad = c.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(k.decrypt(&bad), Err(CryptoError::Undecryptable));
        let other = FieldKeys::generate();
        assert_eq!(other.decrypt(&c), Err(CryptoError::Undecryptable));
    }

    #[test]
    fn keys_round_trip_as_text() {
        let k = FieldKeys::generate();
        let k2 = FieldKeys::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k.blind_index("13900001111"), k2.blind_index("13900001111"));
        assert_eq!(FieldKeys::from_hex("abc").unwrap_err(), CryptoError::BadKey);
    }

    #[test]
    fn blind_index_is_keyed_and_stable() {
        let k = FieldKeys::from_hex(&"00".repeat(48)).unwrap();
        let a = k.blind_index("520102198503121234");
        assert_eq!(a.len(), 32);
        assert_eq!(a, k.blind_index("520102198503121234"));
        assert_ne!(a, FieldKeys::generate().blind_index("520102198503121234"));
        // The HMAC keyed once and cloned is HMAC-SM3 of the key as written: the indexes of
        // databases written before stay valid.
        let mut fresh = <hmac::SimpleHmac<sm3::Sm3> as hmac::KeyInit>::new_from_slice(&[0u8; 32]).unwrap();
        fresh.update(b"520102198503121234");
        let full = hex::encode(fresh.finalize().into_bytes());
        assert_eq!(a, full[..32]);
        // HMAC-SM3 as OpenSSL computes it (`hmac.new(bytes(32), …, "sm3")` in Python), cut to
        // 128 bits.
        assert_eq!(full, "d46cf3ae1bf907de9eb544889706537ab11f07754673b96d4a56895d90257068");
        assert_eq!(a, "d46cf3ae1bf907de9eb544889706537a");
        // An index stored in full reads as the index written now.
        assert_eq!(current_blind_index(&full), a);
        assert_eq!(current_blind_index(&a), a);
    }

    #[test]
    fn sm4_standard_vector() {
        // GB/T 32907 example: key = plaintext = 0123456789abcdeffedcba9876543210.
        use aes_gcm::aead::consts::U16;
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key: [u8; 16] = hex::decode("0123456789abcdeffedcba9876543210").unwrap().try_into().unwrap();
        let c = sm4::Sm4::new(&key.into());
        let mut block = sm4::cipher::Array::<u8, U16>::from(key);
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }
}

/// The environment variable that may hold the field keys (96 hexadecimal digits).
pub const KEY_ENV: &str = "JICENG_FIELD_KEY";

/// The name of the key file in the data directory.
pub const KEY_FILE: &str = "field.key";

/// Load the field keys: from `JICENG_FIELD_KEY` if set, else from `<data_dir>/field.key`,
/// creating that file (readable by its owner only) with fresh keys on first use.
///
/// Losing the keys means losing every encrypted ID-card and phone number: the file belongs in
/// the backup of the data directory, kept apart from database backups.
pub fn load_or_create_keys(data_dir: &std::path::Path) -> Result<FieldKeys, String> {
    if let Ok(text) = std::env::var(KEY_ENV) {
        return FieldKeys::from_hex(&text).map_err(|e| format!("{KEY_ENV}：{e}"));
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => FieldKeys::from_hex(&text).map_err(|e| format!("{}：{e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(|e| format!("无法创建数据目录 {}：{e}", data_dir.display()))?;
            let keys = FieldKeys::generate();
            write_private(&path, &keys.to_hex()).map_err(|e| format!("无法写入密钥文件 {}：{e}", path.display()))?;
            Ok(keys)
        }
        Err(e) => Err(format!("无法读取密钥文件 {}：{e}", path.display())),
    }
}

/// `f` over every item on all cores, results in item order: sealing (encryption and blind
/// indexes) dominates a bulk load or a large import.
pub(crate) fn on_all_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(1);
    let per = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(per).map(|chunk| s.spawn(move || chunk.iter().map(f).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// The `setting` row that remembers which field keys the database was written with (a keyed
/// hash of a fixed text: it names the keys without revealing them).
const KEY_CHECK_SETTING: &str = "field_key_check";
const KEY_CHECK_TEXT: &str = "jiceng field key check";

/// Check that the database's encrypted numbers were written with these keys, and remember the
/// keys' fingerprint on first use. A data directory restored without its `field.key` (or a new
/// server started without `JICENG_FIELD_KEY`) gets fresh keys; going on with them would leave
/// every stored number unreadable and every lookup by number empty, so the same people would be
/// registered twice. This refuses to start instead.
pub async fn verify_field_keys(db: &crate::Db) -> crate::StoreResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let keys = db.field_keys()?;
    let print = keys.blind_index(KEY_CHECK_TEXT);
    let mismatch = || {
        crate::StoreError::Corrupt(format!(
            "字段加密密钥与数据库不符：库中的身份证号和手机号是用另一把密钥加密的。请找回原来的密钥文件 {KEY_FILE}（或环境变量 {KEY_ENV}），\
             替换数据目录中新生成的 {KEY_FILE} 后再启动；不要用新密钥继续使用。"
        ))
    };
    let conn = db.raw();
    let q = Query::select().column("value").from("setting").and_where(Expr::col("key").eq(KEY_CHECK_SETTING)).take();
    if let Some(r) = conn.query_one(&q).await? {
        let stored: String = r.try_get("", "value")?;
        // (A fingerprint remembered before blind indexes were cut to 128 bits is the full MAC.)
        return if current_blind_index(&stored) == print { Ok(()) } else { Err(mismatch()) };
    }
    // Not yet remembered (a new database, or one from before the check): any stored number must
    // open with these keys.
    let q = Query::select()
        .column("id_card_enc")
        .from("member")
        .and_where(Expr::col("id_card_enc").is_not_null())
        .order_by("id", sea_orm::sea_query::Order::Asc)
        .limit(1)
        .take();
    if let Some(r) = conn.query_one(&q).await? {
        let sealed: Vec<u8> = r.try_get("", "id_card_enc")?;
        if keys.decrypt(&sealed).is_err() {
            return Err(mismatch());
        }
    }
    let tx = conn.begin().await?;
    let q = Query::insert()
        .into_table("setting")
        .columns(["key", "value", "updated_at", "updated_by"])
        .values_panic([KEY_CHECK_SETTING.into(), print.into(), crate::now().into(), "系统".into()])
        .on_conflict(sea_orm::sea_query::OnConflict::column("key").do_nothing().to_owned())
        .take();
    tx.execute(&q).await?;
    tx.commit().await?;
    Ok(())
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod key_file_tests {
    use super::*;

    #[test]
    fn creates_then_reads_the_same_keys() {
        let dir = std::env::temp_dir().join(format!("jiceng-keys-{}", uuid::Uuid::now_v7()));
        let a = load_or_create_keys(&dir).unwrap();
        let b = load_or_create_keys(&dir).unwrap();
        assert_eq!(a.to_hex(), b.to_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
