//! SMPP v3.4 section 5.1.3 `command_status`: every error code of table 5-2,
//! with its SMPP name (`ESME_RTHROTTLED`) and the spec's description.
//!
//! Codes outside the table (0x100..=0x3FF reserved for SMPP extensions,
//! 0x400..=0x4FF SMSC vendor specific) are kept as [`CommandStatus::Other`].

use std::fmt;

macro_rules! command_statuses {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $desc:literal; )*) => {
        /// SMPP v3.4 section 5.1.3 command_status values.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types)]
        pub enum CommandStatus {
            $( $(#[$doc])* #[doc = $desc] $variant, )*
            /// A code not listed in table 5-2 (reserved or vendor specific).
            Other(u32),
        }

        impl CommandStatus {
            /// The 32-bit wire value.
            pub fn code(self) -> u32 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Other(c) => c,
                }
            }

            /// The wire value mapped back to a status; unknown codes become `Other`.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $( $code => Self::$variant, )*
                    c => Self::Other(c),
                }
            }

            /// The SMPP name, e.g. `ESME_RTHROTTLED`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                    Self::Other(c) if (0x400..=0x4FF).contains(&c) => "SMSC_VENDOR_SPECIFIC",
                    Self::Other(_) => "RESERVED",
                }
            }

            /// The description from table 5-2.
            pub fn description(self) -> &'static str {
                match self {
                    $( Self::$variant => $desc, )*
                    Self::Other(c) if (0x400..=0x4FF).contains(&c) => "SMSC vendor specific error",
                    Self::Other(_) => "Reserved",
                }
            }

            /// Every status listed in table 5-2, in code order.
            pub const ALL: &'static [CommandStatus] = &[ $( Self::$variant, )* ];
        }
    };
}

command_statuses! {
    EsmeROk = 0x0000_0000, "ESME_ROK", "No Error";
    EsmeRInvMsgLen = 0x0000_0001, "ESME_RINVMSGLEN", "Message Length is invalid";
    EsmeRInvCmdLen = 0x0000_0002, "ESME_RINVCMDLEN", "Command Length is invalid";
    EsmeRInvCmdId = 0x0000_0003, "ESME_RINVCMDID", "Invalid Command ID";
    EsmeRInvBndSts = 0x0000_0004, "ESME_RINVBNDSTS", "Incorrect BIND Status for given command";
    EsmeRAlyBnd = 0x0000_0005, "ESME_RALYBND", "ESME Already in Bound State";
    EsmeRInvPrtFlg = 0x0000_0006, "ESME_RINVPRTFLG", "Invalid Priority Flag";
    EsmeRInvRegDlvFlg = 0x0000_0007, "ESME_RINVREGDLVFLG", "Invalid Registered Delivery Flag";
    EsmeRSysErr = 0x0000_0008, "ESME_RSYSERR", "System Error";
    EsmeRInvSrcAdr = 0x0000_000A, "ESME_RINVSRCADR", "Invalid Source Address";
    EsmeRInvDstAdr = 0x0000_000B, "ESME_RINVDSTADR", "Invalid Dest Addr";
    EsmeRInvMsgId = 0x0000_000C, "ESME_RINVMSGID", "Message ID is invalid";
    EsmeRBindFail = 0x0000_000D, "ESME_RBINDFAIL", "Bind Failed";
    EsmeRInvPaswd = 0x0000_000E, "ESME_RINVPASWD", "Invalid Password";
    EsmeRInvSysId = 0x0000_000F, "ESME_RINVSYSID", "Invalid System ID";
    EsmeRCancelFail = 0x0000_0011, "ESME_RCANCELFAIL", "Cancel SM Failed";
    EsmeRReplaceFail = 0x0000_0013, "ESME_RREPLACEFAIL", "Replace SM Failed";
    EsmeRMsgQFul = 0x0000_0014, "ESME_RMSGQFUL", "Message Queue Full";
    EsmeRInvSerTyp = 0x0000_0015, "ESME_RINVSERTYP", "Invalid Service Type";
    EsmeRInvNumDests = 0x0000_0033, "ESME_RINVNUMDESTS", "Invalid number of destinations";
    EsmeRInvDlName = 0x0000_0034, "ESME_RINVDLNAME", "Invalid Distribution List name";
    EsmeRInvDestFlag = 0x0000_0040, "ESME_RINVDESTFLAG", "Destination flag is invalid (submit_multi)";
    EsmeRInvSubRep = 0x0000_0042, "ESME_RINVSUBREP", "Invalid 'submit with replace' request (i.e. submit_sm with replace_if_present_flag set)";
    EsmeRInvEsmClass = 0x0000_0043, "ESME_RINVESMCLASS", "Invalid esm_class field data";
    EsmeRCntSubDl = 0x0000_0044, "ESME_RCNTSUBDL", "Cannot Submit to Distribution List";
    EsmeRSubmitFail = 0x0000_0045, "ESME_RSUBMITFAIL", "submit_sm or submit_multi failed";
    EsmeRInvSrcTon = 0x0000_0048, "ESME_RINVSRCTON", "Invalid Source address TON";
    EsmeRInvSrcNpi = 0x0000_0049, "ESME_RINVSRCNPI", "Invalid Source address NPI";
    EsmeRInvDstTon = 0x0000_0050, "ESME_RINVDSTTON", "Invalid Destination address TON";
    EsmeRInvDstNpi = 0x0000_0051, "ESME_RINVDSTNPI", "Invalid Destination address NPI";
    EsmeRInvSysTyp = 0x0000_0053, "ESME_RINVSYSTYP", "Invalid system_type field";
    EsmeRInvRepFlag = 0x0000_0054, "ESME_RINVREPFLAG", "Invalid replace_if_present flag";
    EsmeRInvNumMsgs = 0x0000_0055, "ESME_RINVNUMMSGS", "Invalid number of messages";
    EsmeRThrottled = 0x0000_0058, "ESME_RTHROTTLED", "Throttling error (ESME has exceeded allowed message limits)";
    EsmeRInvSched = 0x0000_0061, "ESME_RINVSCHED", "Invalid Scheduled Delivery Time";
    EsmeRInvExpiry = 0x0000_0062, "ESME_RINVEXPIRY", "Invalid message validity period (Expiry time)";
    EsmeRInvDftMsgId = 0x0000_0063, "ESME_RINVDFTMSGID", "Predefined Message Invalid or Not Found";
    EsmeRxTAppn = 0x0000_0064, "ESME_RX_T_APPN", "ESME Receiver Temporary App Error Code";
    EsmeRxPAppn = 0x0000_0065, "ESME_RX_P_APPN", "ESME Receiver Permanent App Error Code";
    EsmeRxRAppn = 0x0000_0066, "ESME_RX_R_APPN", "ESME Receiver Reject Message Error Code";
    EsmeRQueryFail = 0x0000_0067, "ESME_RQUERYFAIL", "query_sm request failed";
    EsmeRInvOptParStream = 0x0000_00C0, "ESME_RINVOPTPARSTREAM", "Error in the optional part of the PDU Body";
    EsmeROptParNotAllwd = 0x0000_00C1, "ESME_ROPTPARNOTALLWD", "Optional Parameter not allowed";
    EsmeRInvParLen = 0x0000_00C2, "ESME_RINVPARLEN", "Invalid Parameter Length";
    EsmeRMissingOptParam = 0x0000_00C3, "ESME_RMISSINGOPTPARAM", "Expected Optional Parameter missing";
    EsmeRInvOptParamVal = 0x0000_00C4, "ESME_RINVOPTPARAMVAL", "Invalid Optional Parameter Value";
    EsmeRDeliveryFailure = 0x0000_00FE, "ESME_RDELIVERYFAILURE", "Delivery Failure (used for data_sm_resp)";
    EsmeRUnknownErr = 0x0000_00FF, "ESME_RUNKNOWNERR", "Unknown Error";
}

impl CommandStatus {
    /// True for `ESME_ROK`.
    pub fn is_ok(self) -> bool {
        self == Self::EsmeROk
    }

    /// Statuses after which a submission should be retried later (the
    /// SMSC is overloaded, section 5.1.3 `ESME_RTHROTTLED`, `ESME_RMSGQFUL`).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::EsmeRThrottled | Self::EsmeRMsgQFul)
    }
}

impl fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:08X})", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in CommandStatus::ALL {
            assert!(seen.insert(s.code()), "duplicate {}", s);
            assert_eq!(CommandStatus::from_code(s.code()), *s);
            assert!(s.name().starts_with("ESME_R"));
        }
        assert_eq!(CommandStatus::ALL.len(), 48);
    }

    #[test]
    fn names_and_other() {
        assert_eq!(CommandStatus::from_code(0x58).name(), "ESME_RTHROTTLED");
        assert_eq!(CommandStatus::from_code(0x14).name(), "ESME_RMSGQFUL");
        assert_eq!(
            CommandStatus::from_code(0x401).name(),
            "SMSC_VENDOR_SPECIFIC"
        );
        assert_eq!(CommandStatus::from_code(0x401).code(), 0x401);
        assert!(CommandStatus::EsmeRThrottled.is_transient());
        assert_eq!(
            CommandStatus::EsmeRInvPaswd.to_string(),
            "ESME_RINVPASWD (0x0000000E)"
        );
    }
}
