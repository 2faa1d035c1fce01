//! `mycodrone-agent`: MycoDrone survey drones on the MycoBrain broker.
//! Each drone keeps its presence and telemetry retained (position, altitude,
//! battery, flight state, home) and acknowledges commands on its ack topic
//! like any MycoBrain device. Every command is checked against the
//! geofence and the battery rules first, and refused with the rule's
//! reason before anything is sent: a drone is never asked to do what it
//! must not do.

use serde_json::{json, Map, Value};

use super::fleet::{
    command_one, devices_of_type, millis, read_devices_of_type, Device, READ_WINDOW,
};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const EARTH_RADIUS_M: f64 = 6_371_000.0;

#[derive(Clone, Copy)]
struct Point {
    lat: f64,
    lon: f64,
}

impl Point {
    fn of(value: &Value) -> Option<Self> {
        Some(Self {
            lat: value["lat"].as_f64()?,
            lon: value["lon"].as_f64()?,
        })
    }

    /// Great-circle distance (haversine), good to metres at survey ranges.
    fn metres_to(self, other: Point) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dphi = phi2 - phi1;
        let dlambda = (other.lon - self.lon).to_radians();
        let a =
            (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// The flight rules, from the agent's settings.
struct Rules {
    centre: Point,
    radius_m: f64,
    max_altitude_m: f64,
    min_takeoff_pct: f64,
    reserve_pct: f64,
    pct_per_km: f64,
}

impl Rules {
    fn of(context: &TaskContext) -> Result<Self, String> {
        let fence = context
            .settings
            .get("geofence")
            .cloned()
            .unwrap_or_default();
        let number = |value: Option<&Value>, name: &str| {
            value
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("setting {name:?} is not a number"))
        };
        let setting = |name: &str| number(context.settings.get(name), name);
        Ok(Self {
            centre: Point::of(&fence).ok_or("setting \"geofence\" needs lat and lon")?,
            radius_m: number(fence.get("radius_m"), "geofence.radius_m")?,
            max_altitude_m: number(fence.get("max_altitude_m"), "geofence.max_altitude_m")?,
            min_takeoff_pct: setting("min_takeoff_battery_pct")?,
            reserve_pct: setting("reserve_battery_pct")?,
            pct_per_km: setting("battery_pct_per_km")?,
        })
    }

    /// Why `target` at `alt_m` is outside the geofence, if it is.
    fn outside(&self, target: Point, alt_m: f64) -> Option<String> {
        let from_centre = target.metres_to(self.centre);
        if from_centre > self.radius_m {
            return Some(format!(
                "({}, {}) is {from_centre:.0} m from the geofence centre, beyond its {} m radius",
                target.lat, target.lon, self.radius_m
            ));
        }
        (alt_m > self.max_altitude_m || alt_m < 0.0).then(|| {
            format!(
                "altitude {alt_m} m is outside the geofence's 0–{} m",
                self.max_altitude_m
            )
        })
    }

    /// The battery a flight of `metres` needs, landing with the reserve left.
    fn needed_pct(&self, metres: f64) -> f64 {
        let needed = self.reserve_pct + self.pct_per_km * metres / 1000.0;
        (needed * 10.0).round() / 10.0
    }
}

/// One drone's state from its retained telemetry.
struct Drone {
    id: String,
    online: bool,
    state: String,
    battery_pct: f64,
    position: Point,
    home: Point,
}

impl Drone {
    fn of(id: &str, device: &Device) -> Option<Self> {
        let telemetry = device.telemetry.as_ref().filter(|t| t["type"] == "drone")?;
        Some(Self {
            id: id.to_owned(),
            online: device.status() == "online",
            state: telemetry["state"].as_str().unwrap_or("unknown").to_owned(),
            battery_pct: telemetry["battery_pct"].as_f64()?,
            position: Point::of(&telemetry["position"])?,
            home: Point::of(&telemetry["home"])?,
        })
    }

    fn refuse(&self, command: &str, why: impl std::fmt::Display) -> String {
        format!(
            "{command} refused before sending to drone {}: {why}",
            self.id
        )
    }

    /// Ready to fly a command: online, and in the flight state it needs.
    fn ready(&self, command: &str, flying: bool) -> Result<(), String> {
        if !self.online {
            return Err(self.refuse(command, "it is offline"));
        }
        match (flying, self.state.as_str()) {
            (true, "flying") | (false, "landed") => Ok(()),
            (true, state) => Err(self.refuse(command, format!("it is {state}, not flying"))),
            (false, state) => Err(self.refuse(command, format!("it is {state}, not landed"))),
        }
    }

    fn battery(&self, command: &str, needed: f64, what: &str) -> Result<(), String> {
        if self.battery_pct < needed {
            return Err(self.refuse(
                command,
                format!(
                    "battery {}% is below the {needed}% {what}",
                    self.battery_pct
                ),
            ));
        }
        Ok(())
    }
}

fn drone_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let found = read_devices_of_type(&context, "drone", "drone_id").await;
        let drones: Vec<Value> = found?
            .iter()
            .map(|(id, device)| {
                let t = device.telemetry.clone().unwrap_or_default();
                json!({"drone_id": id, "status": device.status(), "last_seen": device.last_seen(),
                       "state": t["state"], "battery_pct": t["battery_pct"], "position": t["position"],
                       "home": t["home"], "model": device.presence.as_ref().map(|p| p["model"].clone())})
            })
            .collect();
        Ok(json!({"count": drones.len(), "drones": drones}))
    })
}

/// The checked parameters of one command to `drone`, or why it is refused.
fn checked(
    rules: &Rules,
    drone: &Drone,
    command: &str,
    payload: &Value,
) -> Result<Map<String, Value>, String> {
    let mut params = Map::new();
    match command {
        "takeoff" => {
            drone.ready(command, false)?;
            drone.battery(command, rules.min_takeoff_pct, "takeoff minimum")?;
            let alt_m = payload["alt_m"].as_f64().unwrap_or(10.0);
            if let Some(why) = rules.outside(drone.position, alt_m) {
                return Err(drone.refuse(command, why));
            }
            params.insert("alt_m".into(), json!(alt_m));
        }
        "goto" => {
            drone.ready(command, true)?;
            let target = Point::of(payload).ok_or("invalid payload: goto needs lat and lon")?;
            let alt_m = payload["alt_m"].as_f64().unwrap_or(10.0);
            if let Some(why) = rules.outside(target, alt_m) {
                return Err(drone.refuse(command, why));
            }
            let metres = drone.position.metres_to(target) + target.metres_to(drone.home);
            let needed = rules.needed_pct(metres);
            drone.battery(
                command,
                needed,
                &format!("needed to fly {metres:.0} m there and home with the reserve"),
            )?;
            params.extend([
                ("lat".into(), json!(target.lat)),
                ("lon".into(), json!(target.lon)),
                ("alt_m".into(), json!(alt_m)),
            ]);
        }
        "land" | "return_home" => drone.ready(command, true)?,
        other => return Err(format!("invalid payload: unknown drone command {other:?}")),
    }
    Ok(params)
}

/// The drone `id` and the rules, read fresh before a command.
async fn prepare(
    context: &TaskContext,
    session: &mut Session,
    id: &str,
) -> Result<(Rules, Drone), String> {
    let rules = Rules::of(context)?;
    let found = devices_of_type(session, READ_WINDOW, "drone", Some(id)).await?;
    let drone = found
        .iter()
        .find_map(|(id, device)| Drone::of(id, device))
        .ok_or_else(|| format!("drone {id}'s telemetry lacks its battery, position or home"))?;
    Ok((rules, drone))
}

fn drone_command(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = device_id(text(payload, "drone_id"))?.to_owned();
        let name = text(payload, "command");
        let mut session = Session::connect(&context).await?;
        let sent = async {
            let (rules, drone) = prepare(&context, &mut session, &id).await?;
            let params = checked(&rules, &drone, name, payload)?;
            command_one(
                &mut session,
                &id,
                name,
                &params,
                millis(payload, "timeout_ms", 5000),
            )
            .await
        }
        .await;
        session.close().await;
        let (request_id, result) = sent?;
        Ok(
            json!({"drone_id": id, "command": name, "request_id": request_id, "acked": true, "result": result}),
        )
    })
}

/// Every leg of the mission checked up front, then flown command by
/// command, each acknowledged before the next; a failure in the air sends
/// the drone home.
fn fly_mission(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = device_id(text(payload, "drone_id"))?.to_owned();
        let finish = optional_text(payload, "finish").unwrap_or("return_home");
        let waypoints: Vec<Value> = payload["waypoints"].as_array().cloned().unwrap_or_default();
        let mut session = Session::connect(&context).await?;
        let flown = async {
            let (rules, drone) = prepare(&context, &mut session, &id).await?;
            drone.ready("mission", false)?;
            let mut path = vec![drone.position];
            for (index, waypoint) in waypoints.iter().enumerate() {
                let point = Point::of(waypoint).ok_or("invalid payload: every waypoint needs lat and lon")?;
                if let Some(why) = rules.outside(point, waypoint["alt_m"].as_f64().unwrap_or(10.0)) {
                    return Err(drone.refuse("mission", format!("waypoint {}: {why}", index + 1)));
                }
                path.push(point);
            }
            path.push(if finish == "land" { path[path.len() - 1] } else { drone.home });
            let metres: f64 = path.windows(2).map(|leg| leg[0].metres_to(leg[1])).sum();
            let needed = rules.needed_pct(metres).max(rules.min_takeoff_pct);
            drone.battery("mission", needed, &format!("needed for its {metres:.0} m with the reserve"))?;
            let first_alt = waypoints.first().and_then(|w| w["alt_m"].as_f64()).unwrap_or(10.0);
            let mut steps = vec![("takeoff", json!({"alt_m": first_alt}))];
            steps.extend(waypoints.iter().map(|w| ("goto", json!({"lat": w["lat"], "lon": w["lon"], "alt_m": w["alt_m"].as_f64().unwrap_or(10.0)}))));
            steps.push((finish, json!({})));
            let mut report = Vec::new();
            for (index, (name, params)) in steps.iter().enumerate() {
                let params = params.as_object().cloned().unwrap_or_default();
                match command_one(&mut session, &id, name, &params, millis(payload, "timeout_ms", 5000)).await {
                    Ok((_, result)) => report.push(json!({"step": index + 1, "command": name, "acked": true, "result": result})),
                    Err(error) => {
                        report.push(json!({"step": index + 1, "command": name, "acked": false, "error": error}));
                        // Airborne: bring it home rather than leave it hovering.
                        let home = if index > 0 && *name != "return_home" {
                            let back = command_one(&mut session, &id, "return_home", &Map::new(), millis(payload, "timeout_ms", 5000)).await;
                            Some(back.map_or_else(|e| json!({"acked": false, "error": e}), |(_, r)| json!({"acked": true, "result": r})))
                        } else {
                            None
                        };
                        return Ok(json!({"drone_id": id, "completed": false, "distance_m": metres.round(), "battery_needed_pct": needed, "steps": report, "return_home": home}));
                    }
                }
            }
            Ok(json!({"drone_id": id, "completed": true, "distance_m": metres.round(), "battery_needed_pct": needed, "steps": report}))
        }
        .await;
        session.close().await;
        flown
    })
}

pub fn spec() -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert("geofence".into(), json!({"type": "object", "additionalProperties": false,
            "required": ["lat", "lon", "radius_m", "max_altitude_m"],
            "description": "Where the drones may fly: a circle around (lat, lon) and a ceiling",
            "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}, "lon": {"type": "number", "minimum": -180, "maximum": 180},
                           "radius_m": {"type": "number", "minimum": 1}, "max_altitude_m": {"type": "number", "minimum": 1, "maximum": 500}}}));
        settings.insert(
            "min_takeoff_battery_pct".into(),
            json!({"type": "number", "minimum": 0, "maximum": 100, "default": 30,
            "description": "No takeoff below this battery level"}),
        );
        settings.insert(
            "reserve_battery_pct".into(),
            json!({"type": "number", "minimum": 0, "maximum": 100, "default": 20,
            "description": "Battery every flight must still have when it lands"}),
        );
        settings.insert(
            "battery_pct_per_km".into(),
            json!({"type": "number", "minimum": 0, "maximum": 100, "default": 5,
            "description": "Battery a drone uses per kilometre flown"}),
        );
    }
    let id = json!({"type": "string", "minLength": 1, "maxLength": 64});
    let timeout = json!({"type": "integer", "minimum": 100, "maximum": 120000, "default": 5000});
    let coordinate = json!({"type": "number"});
    let step = json!({"type": "object", "required": ["step", "command", "acked"]});
    KindSpec {
        kind: "mycodrone-agent",
        aliases: vec!["mycodrone"],
        category: AgentCategory::Device,
        description: "MycoDrone drones over MQTT: position, battery and flight state; takeoff, goto, land, return home and waypoint missions, each checked against the geofence and battery rules before it is sent and acknowledged by the drone",
        task_types: vec![
            task("drone_status", "Every drone (or one): online/offline, last seen, flight state, battery, position and home",
                 closed_object(json!({"drone_id": id}), &[]),
                 json!({"type": "object", "required": ["count", "drones"],
                        "properties": {"count": {"type": "integer"}, "drones": {"type": "array", "items": {"type": "object", "required": ["drone_id", "status", "state", "battery_pct", "position"]}}}}),
                 drone_status),
            task("drone_command", "takeoff, goto (lat, lon, alt_m), land or return_home: refused with the rule's reason when the drone is offline, in the wrong state, short of battery or the target is outside the geofence; otherwise sent and its ack returned",
                 closed_object(json!({"drone_id": id, "command": {"enum": ["takeoff", "goto", "land", "return_home"]},
                                      "lat": coordinate, "lon": coordinate, "alt_m": {"type": "number", "minimum": 0, "default": 10},
                                      "timeout_ms": timeout}), &["drone_id", "command"]),
                 json!({"type": "object", "required": ["drone_id", "command", "acked", "result"],
                        "properties": {"drone_id": {"type": "string"}, "command": {"type": "string"}, "acked": {"const": true}, "request_id": {"type": "string"}}}),
                 drone_command),
            task("fly_mission", "Take off, fly the waypoints and return home (or land at the last): every waypoint checked against the geofence and the whole path's battery need before takeoff; each command acknowledged before the next; a failure in the air sends the drone home",
                 closed_object(json!({"drone_id": id,
                                      "waypoints": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "object", "required": ["lat", "lon"], "additionalProperties": false,
                                                    "properties": {"lat": coordinate, "lon": coordinate, "alt_m": {"type": "number", "minimum": 0}}}},
                                      "finish": {"enum": ["return_home", "land"], "default": "return_home"},
                                      "timeout_ms": timeout}), &["drone_id", "waypoints"]),
                 json!({"type": "object", "required": ["drone_id", "completed", "distance_m", "steps"],
                        "properties": {"drone_id": {"type": "string"}, "completed": {"type": "boolean"}, "distance_m": {"type": "number"},
                                       "battery_needed_pct": {"type": "number"}, "steps": {"type": "array", "items": step}}}),
                 fly_mission),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "required": ["geofence"], "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 2 },
        privileges: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::Point;

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude is about 111.2 km.
        let a = Point { lat: 0.0, lon: 0.0 };
        assert!((a.metres_to(Point { lat: 1.0, lon: 0.0 }) - 111_195.0).abs() < 10.0);
        // Paris–London, about 343.5 km.
        let paris = Point {
            lat: 48.8566,
            lon: 2.3522,
        };
        let london = Point {
            lat: 51.5074,
            lon: -0.1278,
        };
        assert!((paris.metres_to(london) - 343_500.0).abs() < 1_000.0);
    }
}
