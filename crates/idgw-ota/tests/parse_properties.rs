//! The fuzz targets' properties (fuzz/fuzz_targets) on a deterministic stream
//! of random and mutated inputs, so they run in every `cargo test`: parsing
//! never panics and a successful parse re-encodes to exactly its input.

use idgw_ota::{
    open_command, open_response, CcAlgorithm, CipherAlgorithm, Cntr, CommandPacket, KeyId, KeySet,
    ResponsePacket, ResponseStatus, SecurityParams, Spi, Tar,
};

/// xorshift64*: a fixed, dependency-free pseudo-random stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn check_command(data: &[u8], keys: &KeySet) {
    if let Ok(p) = CommandPacket::parse(data) {
        assert_eq!(p.to_bytes().as_deref(), Ok(data));
    }
    let _ = open_command(data, |_| Some(keys), |_| Cntr::default());
}

fn check_response(data: &[u8], params: &SecurityParams, keys: &KeySet) {
    if let Ok(p) = ResponsePacket::parse(data) {
        assert_eq!(p.to_bytes().as_deref(), Ok(data));
    }
    let _ = open_response(data, params, keys);
}

#[test]
fn random_and_mutated_inputs() {
    let mut rng = Rng(0x0DD_BA11_CAFE_F00D);
    let keys = KeySet::new(1, &[0x11; 16], &[0x22; 16]);
    let params = SecurityParams::new(
        Spi::from_bytes([0x16, 0x39]).unwrap(),
        KeyId::kic(CipherAlgorithm::AesCbc, 1),
        KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
    );
    let cmd =
        CommandPacket::seal(&params, &keys, Tar([1, 2, 3]), Cntr::new(5).unwrap(), b"hi").unwrap();
    let por = ResponsePacket::seal(
        &params,
        &keys,
        Tar([1, 2, 3]),
        Cntr::new(5).unwrap(),
        ResponseStatus::PorOk,
        b"9000",
    )
    .unwrap();
    for _ in 0..20_000 {
        // Random bytes with a plausible length prefix half of the time.
        let len = (rng.next() % 48) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        if len >= 2 && rng.next() % 2 == 0 {
            data[..2].copy_from_slice(&((len - 2) as u16).to_be_bytes());
        }
        check_command(&data, &keys);
        check_response(&data, &params, &keys);
        // Mutations of valid packets.
        for valid in [&cmd, &por] {
            let mut m = valid.clone();
            let i = (rng.next() as usize) % m.len();
            m[i] = rng.byte();
            check_command(&m, &keys);
            check_response(&m, &params, &keys);
        }
    }
}
