#!/usr/bin/env node
// A third-party SMSC (the npm `smpp` package's server) for idgw's OTA platform to bind to.
// Used by crates/idgw/tests/interop.rs; runnable by hand:
//
//     node scripts/interop/smpp_server.js --port 2776 --system-id idgw-ota --password secret
//
// Accepts bind_transceiver (and bind_transmitter / bind_receiver) for --system-id with
// --password, refuses any other bind with ESME_RBINDFAIL / ESME_RINVPASWD, answers every
// submit_sm with a submit_sm_resp carrying a fresh message_id, answers enquire_link and
// unbind. Writes one JSON object per line on stdout:
//
//   {"event":"listening","host":"127.0.0.1","port":N}       once, when ready (--port 0 picks one)
//   {"event":"bind","command":"bind_transceiver","system_id":"...","accepted":true}
//   {"event":"submit_sm","esm_class":64,"protocol_id":127,"data_coding":246,
//    "source_addr":"882","destination_addr":"4477...","registered_delivery":1,
//    "short_message":"027000...","message_id":"1"}
//   {"event":"enquire_link"} / {"event":"unbind"} / {"event":"close"}
//
// short_message is the exact octets received, in hex. The server stops when its standard
// input closes or after --lifetime seconds, whichever comes first.
'use strict';

const smpp = require('smpp');

function option(name, fallback) {
	const i = process.argv.indexOf('--' + name);
	return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = option('host', '127.0.0.1');
const port = Number(option('port', '0'));
const systemId = option('system-id', 'idgw-ota');
const password = option('password', 'secret');
const lifetime = Number(option('lifetime', '120'));

function emit(obj) {
	process.stdout.write(JSON.stringify(obj) + '\n');
}

// The library hands short_message back as {udh: [IE buffers], message}; with the data
// coding of OTA packets (0xF6) the message stays a Buffer. Rebuild the exact octets.
function shortMessageOctets(sm) {
	if (Buffer.isBuffer(sm)) {
		return sm;
	}
	if (!sm || !Buffer.isBuffer(sm.message)) {
		throw new Error('short_message was decoded as text: ' + JSON.stringify(sm));
	}
	if (!sm.udh) {
		return sm.message;
	}
	const udh = Buffer.concat(sm.udh);
	return Buffer.concat([Buffer.from([udh.length]), udh, sm.message]);
}

let nextMessageId = 0;

const server = smpp.createServer({debug: false}, function (session) {
	let bound = false;
	function onBind(pdu) {
		let status = smpp.ESME_ROK;
		if (pdu.system_id !== systemId) {
			status = smpp.ESME_RBINDFAIL;
		} else if (pdu.password !== password) {
			status = smpp.ESME_RINVPASWD;
		} else if (bound) {
			status = smpp.ESME_RALYBND;
		}
		emit({event: 'bind', command: pdu.command, system_id: pdu.system_id, accepted: status === smpp.ESME_ROK});
		if (status === smpp.ESME_ROK) {
			bound = true;
			session.send(pdu.response({system_id: 'node-smpp'}));
		} else {
			session.send(pdu.response({command_status: status}));
		}
	}
	session.on('bind_transceiver', onBind);
	session.on('bind_transmitter', onBind);
	session.on('bind_receiver', onBind);
	session.on('submit_sm', function (pdu) {
		if (!bound) {
			session.send(pdu.response({command_status: smpp.ESME_RINVBNDSTS}));
			return;
		}
		nextMessageId += 1;
		const messageId = String(nextMessageId);
		const record = {
			event: 'submit_sm',
			esm_class: pdu.esm_class,
			protocol_id: pdu.protocol_id,
			data_coding: pdu.data_coding,
			source_addr: pdu.source_addr,
			dest_addr_ton: pdu.dest_addr_ton,
			dest_addr_npi: pdu.dest_addr_npi,
			destination_addr: pdu.destination_addr,
			registered_delivery: pdu.registered_delivery,
			message_id: messageId,
		};
		try {
			record.short_message = shortMessageOctets(pdu.short_message).toString('hex');
		} catch (e) {
			record.short_message = null;
			record.error = e.message;
		}
		emit(record);
		session.send(pdu.response({message_id: messageId}));
	});
	session.on('enquire_link', function (pdu) {
		emit({event: 'enquire_link'});
		session.send(pdu.response());
	});
	session.on('unbind', function (pdu) {
		emit({event: 'unbind'});
		session.send(pdu.response());
		session.close();
	});
	session.on('close', function () {
		emit({event: 'close'});
	});
	session.on('error', function (e) {
		emit({event: 'error', message: e.message});
	});
});

server.on('error', function (e) {
	emit({event: 'error', message: e.message});
	process.exit(1);
});

server.listen(port, host, function () {
	emit({event: 'listening', host: host, port: server.address().port});
});

function stop() {
	server.close();
	process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
setTimeout(stop, lifetime * 1000).unref();
