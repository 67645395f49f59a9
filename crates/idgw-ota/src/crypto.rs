//! The algorithms of ETSI TS 102 225 section 5.1.2 (ciphering: DES/3DES outer-CBC
//! and AES-CBC, all with a zero initial chaining value; DES ECB) and section 5.1.3
//! (DES/3DES CBC-MAC of 8 octets, AES-CMAC truncated to 4 or 8 octets, CRC16/CRC32).

use aes::{Aes128, Aes192, Aes256};
use cipher::{
    block_padding::NoPadding, BlockCipher, BlockDecrypt, BlockDecryptMut, BlockEncrypt,
    BlockEncryptMut, KeyInit, KeyIvInit,
};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2, TdesEde3};

use crate::{CcAlgorithm, CipherAlgorithm, Key, OtaError, RcAlgorithm};

impl CipherAlgorithm {
    /// Cipher block size in octets.
    pub fn block_size(self) -> usize {
        match self {
            Self::AesCbc => 16,
            _ => 8,
        }
    }
}

impl CcAlgorithm {
    /// Octets of MAC input the algorithm pads to internally with zeros (DES CBC-MAC),
    /// 1 for AES-CMAC which pads by itself.
    fn mac_block(self) -> usize {
        match self {
            Self::AesCmac => 1,
            _ => 8,
        }
    }
}

impl RcAlgorithm {
    /// Octets of the redundancy check.
    pub fn octets(self) -> usize {
        match self {
            Self::Crc16 => 2,
            Self::Crc32 => 4,
        }
    }
}

fn key_err(algorithm: &'static str, key: &Key) -> OtaError {
    OtaError::BadKeyLength {
        algorithm,
        len: key.len(),
    }
}

fn cbc_encrypt<C>(name: &'static str, key: &Key, buf: &mut [u8]) -> Result<(), OtaError>
where
    C: BlockEncryptMut + BlockCipher + KeyInit,
{
    let iv = vec![0u8; C::block_size()];
    let enc = cbc::Encryptor::<C>::new_from_slices(key.expose_secret(), &iv)
        .map_err(|_| key_err(name, key))?;
    let len = buf.len();
    enc.encrypt_padded_mut::<NoPadding>(buf, len)
        .map_err(|_| OtaError::CipherBlock(len))?;
    Ok(())
}

fn cbc_decrypt<C>(name: &'static str, key: &Key, buf: &mut [u8]) -> Result<(), OtaError>
where
    C: BlockDecryptMut + BlockCipher + KeyInit,
{
    let iv = vec![0u8; C::block_size()];
    let dec = cbc::Decryptor::<C>::new_from_slices(key.expose_secret(), &iv)
        .map_err(|_| key_err(name, key))?;
    let len = buf.len();
    dec.decrypt_padded_mut::<NoPadding>(buf)
        .map_err(|_| OtaError::CipherBlock(len))?;
    Ok(())
}

fn des_ecb(key: &Key, buf: &mut [u8], encrypt: bool) -> Result<(), OtaError> {
    let des = Des::new_from_slice(key.expose_secret()).map_err(|_| key_err("DES", key))?;
    for block in buf.chunks_exact_mut(8) {
        let block = cipher::generic_array::GenericArray::from_mut_slice(block);
        if encrypt {
            des.encrypt_block(block);
        } else {
            des.decrypt_block(block);
        }
    }
    Ok(())
}

fn check_blocks(algorithm: CipherAlgorithm, buf: &[u8]) -> Result<(), OtaError> {
    if buf.len() % algorithm.block_size() != 0 {
        return Err(OtaError::CipherBlock(buf.len()));
    }
    Ok(())
}

/// Encrypt `buf` in place; its length must be a whole number of blocks.
pub fn encrypt(algorithm: CipherAlgorithm, key: &Key, buf: &mut [u8]) -> Result<(), OtaError> {
    check_blocks(algorithm, buf)?;
    match algorithm {
        CipherAlgorithm::DesCbc => cbc_encrypt::<Des>("DES", key, buf),
        CipherAlgorithm::TripleDes2Cbc => cbc_encrypt::<TdesEde2>("3DES 2 keys", key, buf),
        CipherAlgorithm::TripleDes3Cbc => cbc_encrypt::<TdesEde3>("3DES 3 keys", key, buf),
        CipherAlgorithm::DesEcb => des_ecb(key, buf, true),
        CipherAlgorithm::AesCbc => match key.len() {
            16 => cbc_encrypt::<Aes128>("AES", key, buf),
            24 => cbc_encrypt::<Aes192>("AES", key, buf),
            32 => cbc_encrypt::<Aes256>("AES", key, buf),
            _ => Err(key_err("AES", key)),
        },
    }
}

/// Decrypt `buf` in place; its length must be a whole number of blocks.
pub fn decrypt(algorithm: CipherAlgorithm, key: &Key, buf: &mut [u8]) -> Result<(), OtaError> {
    check_blocks(algorithm, buf)?;
    match algorithm {
        CipherAlgorithm::DesCbc => cbc_decrypt::<Des>("DES", key, buf),
        CipherAlgorithm::TripleDes2Cbc => cbc_decrypt::<TdesEde2>("3DES 2 keys", key, buf),
        CipherAlgorithm::TripleDes3Cbc => cbc_decrypt::<TdesEde3>("3DES 3 keys", key, buf),
        CipherAlgorithm::DesEcb => des_ecb(key, buf, false),
        CipherAlgorithm::AesCbc => match key.len() {
            16 => cbc_decrypt::<Aes128>("AES", key, buf),
            24 => cbc_decrypt::<Aes192>("AES", key, buf),
            32 => cbc_decrypt::<Aes256>("AES", key, buf),
            _ => Err(key_err("AES", key)),
        },
    }
}

/// The full 16-octet AES-CMAC of `data` under a 128, 192 or 256-bit key.
fn aes_cmac(key: &Key, data: &[u8]) -> Result<Vec<u8>, OtaError> {
    macro_rules! run {
        ($aes:ty) => {{
            let mut mac = <Cmac<$aes> as KeyInit>::new_from_slice(key.expose_secret())
                .map_err(|_| key_err("AES-CMAC", key))?;
            mac.update(data);
            Ok(mac.finalize().into_bytes().to_vec())
        }};
    }
    match key.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        32 => run!(Aes256),
        _ => Err(key_err("AES-CMAC", key)),
    }
}

/// The cryptographic checksum of `data`, `len` octets long (8 for DES; 4 or 8
/// for AES-CMAC, keeping the leftmost octets).
pub fn checksum(
    algorithm: CcAlgorithm,
    key: &Key,
    data: &[u8],
    len: usize,
) -> Result<Vec<u8>, OtaError> {
    let expected_ok = match algorithm {
        CcAlgorithm::AesCmac => len == 4 || len == 8,
        _ => len == 8,
    };
    if !expected_ok {
        return Err(OtaError::IntegrityLength {
            expected: 8,
            found: len,
        });
    }
    let full = match algorithm {
        CcAlgorithm::AesCmac => aes_cmac(key, data)?,
        des_mac => {
            let block = des_mac.mac_block();
            let mut buf = data.to_vec();
            buf.resize(data.len().div_ceil(block).max(1) * block, 0);
            let cipher = match des_mac {
                CcAlgorithm::DesCbcMac => CipherAlgorithm::DesCbc,
                CcAlgorithm::TripleDes2CbcMac => CipherAlgorithm::TripleDes2Cbc,
                _ => CipherAlgorithm::TripleDes3Cbc,
            };
            encrypt(cipher, key, &mut buf)?;
            buf[buf.len() - 8..].to_vec()
        }
    };
    Ok(full[..len].to_vec())
}

/// CRC-16 of ISO/IEC 13239 (polynomial 0x1021 reflected, initial 0xFFFF,
/// final complement), most significant octet first.
fn crc16(data: &[u8]) -> [u8; 2] {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    (!crc).to_be_bytes()
}

/// CRC-32 of ISO/IEC 13239 (polynomial 0x04C11DB7 reflected, initial and final
/// complement), most significant octet first.
fn crc32(data: &[u8]) -> [u8; 4] {
    let mut crc: u32 = 0xFFFF_FFFF;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    (!crc).to_be_bytes()
}

/// The redundancy check of `data`.
pub fn redundancy_check(algorithm: RcAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        RcAlgorithm::Crc16 => crc16(data).to_vec(),
        RcAlgorithm::Crc32 => crc32(data).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_values() {
        // Standard check values over "123456789" (CRC catalogue: CRC-16/IBM-SDLC
        // a.k.a. X-25 = 0x906E, CRC-32/ISO-HDLC = 0xCBF43926).
        assert_eq!(crc16(b"123456789"), [0x90, 0x6E]);
        assert_eq!(crc32(b"123456789"), [0xCB, 0xF4, 0x39, 0x26]);
    }

    #[test]
    fn wrong_key_lengths_are_errors() {
        let mut buf = [0u8; 16];
        let short = Key::new(&[1; 7]);
        for alg in [
            CipherAlgorithm::DesCbc,
            CipherAlgorithm::TripleDes2Cbc,
            CipherAlgorithm::TripleDes3Cbc,
            CipherAlgorithm::DesEcb,
            CipherAlgorithm::AesCbc,
        ] {
            assert!(matches!(
                encrypt(alg, &short, &mut buf),
                Err(OtaError::BadKeyLength { .. })
            ));
        }
        assert!(checksum(CcAlgorithm::AesCmac, &short, b"x", 8).is_err());
        let mut odd = [0u8; 9];
        assert_eq!(
            encrypt(CipherAlgorithm::DesCbc, &Key::new(&[0; 8]), &mut odd),
            Err(OtaError::CipherBlock(9))
        );
    }
}
