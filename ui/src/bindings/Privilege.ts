// PROVISIONAL: replaced by the generated binding
export type Privilege = "docker_socket";
